import { NotFoundError } from '@isthmus/service-kit';

/** A write that raced with the deletion of its cluster: the cluster is gone, as if it never was. */
export class ClusterGoneError extends NotFoundError {
  constructor() {
    super('the cluster was deleted while this change was being written; register it again first');
  }
}
