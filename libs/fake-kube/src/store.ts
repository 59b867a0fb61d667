// The fake's etcd: objects of every type, one global revision counter, and the history of
// changes that watches replay. No IO; FakeKubeApi serves it over HTTP.
//
// resourceVersions follow the API conventions (https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency):
// one counter for the whole server (etcd's revision), bumped by every change; an object carries
// the revision of its last change, a list the revision it was read at.
import { randomUUID } from 'node:crypto';
import {
  BUILTIN_TYPES,
  CRD_GROUP,
  parseApiVersion,
  typeFromCrd,
  typeKey,
  type ResourceType,
} from './resources';
import type { KubeObject, ObjectRef } from './types';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  type: ChangeType;
  /** typeKey(group, resource) */
  key: string;
  /** The object after the change; for DELETED its last state, with the deletion's resourceVersion. */
  object: KubeObject;
  /** The object before the change (absent for ADDED). */
  prev?: KubeObject;
}

export interface StoreListener {
  change(change: Change): void;
  /** A CRD was removed: its type is no longer served. */
  typeRemoved(type: ResourceType): void;
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** What an update compares to decide it is a no-op: everything but the fields the server owns. */
function comparable(obj: KubeObject): string {
  const { resourceVersion: _rv, generation: _g, uid: _u, creationTimestamp: _c, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

export class Store {
  private rv = 1;
  /** History holds every change with rv > compactedRv. */
  private compactedRv = 0;
  private history: Change[] = [];
  private readonly types = new Map<string, ResourceType>();
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<StoreListener>();

  constructor() {
    for (const type of BUILTIN_TYPES) this.addType(type);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get compactedResourceVersion(): number {
    return this.compactedRv;
  }

  listen(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- types -------------------------------------------------------------------------------

  allTypes(): ResourceType[] {
    return [...this.types.values()];
  }

  /** The type served at /api(s)/<group>/<version>/<resource>, if it is served in that version. */
  typeAt(group: string, version: string, resource: string): ResourceType | undefined {
    const type = this.types.get(typeKey(group, resource));
    return type && type.versions.includes(version) ? type : undefined;
  }

  typeOfKind(apiVersion: string, kind: string): ResourceType {
    const { group, version } = parseApiVersion(apiVersion);
    for (const type of this.types.values()) {
      if (type.group === group && type.kind === kind && type.versions.includes(version)) return type;
    }
    throw new KubeError(404, `no matches for kind "${kind}" in version "${apiVersion}"`);
  }

  private addType(type: ResourceType): void {
    const key = typeKey(type.group, type.resource);
    this.types.set(key, type);
    if (!this.objects.has(key)) this.objects.set(key, new Map());
  }

  // --- reads -------------------------------------------------------------------------------

  get(ref: ObjectRef): KubeObject | undefined {
    const type = this.typeOfKind(ref.apiVersion, ref.kind);
    const namespace = this.namespaceFor(type, ref.namespace);
    const found = this.objects.get(typeKey(type.group, type.resource))?.get(objectKey(namespace, ref.name));
    return found && { ...json(found), apiVersion: ref.apiVersion };
  }

  /**
   * The objects of a type (in one namespace, or all), sorted by namespace then name as etcd's key
   * order returns them, as they were at revision `atRv` (default: now). Past states are rebuilt
   * by undoing history; a revision older than the history is a 410.
   */
  list(type: ResourceType, namespace?: string, atRv?: number): KubeObject[] {
    const key = typeKey(type.group, type.resource);
    const state = new Map(this.objects.get(key) ?? []);
    if (atRv !== undefined && atRv < this.rv) {
      if (atRv < this.compactedRv)
        throw new KubeError(410, `too old resource version: ${atRv} (${this.compactedRv})`);
      for (let i = this.history.length - 1; i >= 0 && (this.history[i] as Change).rv > atRv; i--) {
        const change = this.history[i] as Change;
        if (change.key !== key) continue;
        const k = objectKey(change.object.metadata.namespace, change.object.metadata.name);
        if (change.prev) state.set(k, change.prev);
        else state.delete(k);
      }
    }
    return [...state.entries()]
      .filter(([, obj]) => namespace === undefined || obj.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => json(obj));
  }

  /** Changes of one type after `rv`, oldest first; a 410 when history no longer reaches back that far. */
  changesSince(key: string, rv: number): Change[] {
    if (rv < this.compactedRv)
      throw new KubeError(410, `too old resource version: ${rv} (${this.compactedRv})`);
    const out: Change[] = [];
    for (const change of this.history) if (change.rv > rv && change.key === key) out.push(change);
    return out;
  }

  // --- writes ------------------------------------------------------------------------------

  /**
   * Creates or replaces an object, the way an API server's create/update would: it owns uid,
   * creationTimestamp, generation (where the type has one: bumped when spec changes) and
   * resourceVersion; the
   * resourceVersion given is ignored (no optimistic-concurrency check). An update that changes
   * nothing is a no-op (no new resourceVersion, no event), as in the real API.
   */
  apply(input: KubeObject): KubeObject {
    if (input.apiVersion === `${CRD_GROUP}/v1` && input.kind === 'CustomResourceDefinition')
      return this.installCrd(input);
    return this.put(input);
  }

  private put(input: KubeObject): KubeObject {
    const obj = json(input);
    if (!obj.metadata || typeof obj.metadata.name !== 'string' || obj.metadata.name === '')
      throw new KubeError(422, `${obj.kind}: metadata.name is required`);
    const type = this.typeOfKind(obj.apiVersion, obj.kind);
    const namespace = this.namespaceFor(type, obj.metadata.namespace);
    if (namespace === undefined) delete obj.metadata.namespace;
    else obj.metadata.namespace = namespace;
    const key = typeKey(type.group, type.resource);
    const objects = this.objects.get(key) as Map<string, KubeObject>;
    const k = objectKey(namespace, obj.metadata.name);
    const prev = objects.get(k);
    if (prev && comparable(prev) === comparable({ ...obj, apiVersion: prev.apiVersion })) return json(prev);
    this.rv++;
    const spec = (o: KubeObject) => JSON.stringify(o.spec ?? null);
    obj.metadata = {
      ...obj.metadata,
      uid: prev?.metadata.uid ?? randomUUID(),
      resourceVersion: String(this.rv),
      creationTimestamp: prev?.metadata.creationTimestamp ?? timestamp(),
      ...(type.generation
        ? { generation: prev ? (prev.metadata.generation ?? 1) + (spec(prev) === spec(obj) ? 0 : 1) : 1 }
        : {}),
    };
    if (!type.generation) delete obj.metadata.generation;
    objects.set(k, obj);
    this.record({
      rv: this.rv,
      type: prev ? 'MODIFIED' : 'ADDED',
      key,
      object: obj,
      ...(prev ? { prev } : {}),
    });
    return json(obj);
  }

  /** Deletes an object; returns its last state (with the deletion's resourceVersion), or undefined if there was none. */
  delete(ref: ObjectRef): KubeObject | undefined {
    if (ref.apiVersion === `${CRD_GROUP}/v1` && ref.kind === 'CustomResourceDefinition')
      return this.removeCrd(ref.name);
    const type = this.typeOfKind(ref.apiVersion, ref.kind);
    return this.remove(
      typeKey(type.group, type.resource),
      objectKey(this.namespaceFor(type, ref.namespace), ref.name),
    );
  }

  private remove(key: string, k: string): KubeObject | undefined {
    const objects = this.objects.get(key);
    const prev = objects?.get(k);
    if (!objects || !prev) return undefined;
    objects.delete(k);
    this.rv++;
    const last = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(this.rv) } };
    this.record({ rv: this.rv, type: 'DELETED', key, object: last, prev });
    return json(last);
  }

  /**
   * Installs (or updates) a CRD: afterwards its group/version/resource is served. The CRD object
   * gets the status the apiextensions controllers would give it (NamesAccepted and Established).
   */
  installCrd(crd: KubeObject): KubeObject {
    const type = typeFromCrd(json(crd));
    const existing = this.types.get(typeKey(type.group, type.resource));
    if (existing && existing.crdName !== type.crdName)
      throw new KubeError(409, `resource ${type.resource}.${type.group} exists`);
    const now = timestamp();
    const prevStatus = this.objects
      .get(typeKey(CRD_GROUP, 'customresourcedefinitions'))
      ?.get(objectKey(undefined, crd.metadata.name))?.status as { conditions?: unknown } | undefined;
    const spec = crd.spec as { versions: Array<{ name: string; storage?: boolean }> };
    const stored = this.put({
      ...crd,
      status: {
        conditions: prevStatus?.conditions ?? [
          {
            type: 'NamesAccepted',
            status: 'True',
            lastTransitionTime: now,
            reason: 'NoConflicts',
            message: 'no conflicts found',
          },
          {
            type: 'Established',
            status: 'True',
            lastTransitionTime: now,
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
          },
        ],
        acceptedNames: {
          plural: type.resource,
          singular: type.singular,
          kind: type.kind,
          listKind: type.listKind,
          ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
          ...(type.categories.length ? { categories: type.categories } : {}),
        },
        storedVersions: spec.versions.filter((v) => v.storage === true).map((v) => v.name),
      },
    });
    this.addType(type);
    return stored;
  }

  /**
   * Removes a CRD as the API server does: its objects are deleted (a DELETED event each), its
   * resource stops being served (open watches on it end), then the CRD object itself is deleted.
   */
  removeCrd(name: string): KubeObject | undefined {
    const crdKey = typeKey(CRD_GROUP, 'customresourcedefinitions');
    const type = [...this.types.values()].find((t) => t.crdName === name);
    if (type) {
      const key = typeKey(type.group, type.resource);
      for (const k of [...(this.objects.get(key)?.keys() ?? [])]) this.remove(key, k);
      this.types.delete(key);
      this.objects.delete(key);
      for (const listener of this.listeners) listener.typeRemoved(type);
    }
    return this.remove(crdKey, objectKey(undefined, name));
  }

  /** Forgets history: later reads from a resourceVersion older than now get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  private record(change: Change): void {
    this.history.push(change);
    for (const listener of this.listeners) listener.change(change);
  }

  private namespaceFor(type: ResourceType, namespace: string | undefined): string | undefined {
    if (type.namespaced) return namespace || 'default';
    if (namespace)
      throw new KubeError(
        400,
        `${type.kind} is cluster-scoped: it has no namespace (got ${JSON.stringify(namespace)})`,
      );
    return undefined;
  }
}
