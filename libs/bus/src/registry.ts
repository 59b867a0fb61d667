import {
  decodeRegistryEvent,
  DEFAULT_REGISTRY_STREAM,
  DEFAULT_SUBJECT_ROOT,
  registrySubjects,
  type RegistryEvent,
} from '@isthmus/contracts';
import type { StateStreamOptions } from './stream';

export interface RegistryStreamOptions extends Omit<Partial<StateStreamOptions>, 'subjects'> {
  /** The subjects' root token (default "isthmus"); tests and side-by-side installations change it. */
  root?: string;
}

/**
 * The registry's compacted stream (DESIGN.md, "Data flow"): every registry subject under the
 * root, the last state per entity. The registry ensures it at start and after every reconnect.
 */
export function registryStreamOptions(options: RegistryStreamOptions = {}): StateStreamOptions {
  const { root = DEFAULT_SUBJECT_ROOT, name = DEFAULT_REGISTRY_STREAM, ...rest } = options;
  return { ...rest, name, subjects: [registrySubjects(root).all.registry] };
}

/**
 * How a StateConsumer reads registry events: validated against the contracts' schemas and checked
 * to be on their own subject (anything else is poison), ordered by the event's revision.
 */
export function registryEvents(root: string = DEFAULT_SUBJECT_ROOT) {
  return {
    decode: (subject: string, data: Uint8Array): RegistryEvent => decodeRegistryEvent(subject, data, root),
    revisionOf: (event: RegistryEvent): number => event.revision,
  };
}
