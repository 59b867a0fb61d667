// Label and field selectors, as lists and watches take them in ?labelSelector= and
// ?fieldSelector= (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors,
// https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/).
import type { KubeObject } from './types';

export type Selector = (obj: KubeObject) => boolean;

export class SelectorError extends Error {}

const everything: Selector = () => true;

/** Splits on commas outside parentheses ("a in (x,y),b" → ["a in (x,y)", "b"]). */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

/**
 * Equality-based (`k=v`, `k==v`, `k!=v`) and set-based (`k in (a,b)`, `k notin (a,b)`, `k`, `!k`)
 * requirements, all of which must hold. `k!=v` and `k notin (...)` also match objects without
 * the label, as in the real API.
 */
export function parseLabelSelector(selector: string | undefined): Selector {
  if (!selector) return everything;
  const requirements: Array<(labels: Record<string, string>) => boolean> = [];
  for (const term of splitTerms(selector)) {
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = new Set(list.split(',').map((v) => v.trim()));
      requirements.push(
        op === 'in'
          ? (l) => key in l && values.has(l[key] as string)
          : (l) => !(key in l) || !values.has(l[key] as string),
      );
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      requirements.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = /^!([\w./-]+)$/.exec(term))) {
      const key = m[1] as string;
      requirements.push((l) => !(key in l));
    } else if ((m = /^([\w./-]+)$/.exec(term))) {
      const key = m[1] as string;
      requirements.push((l) => key in l);
    } else {
      throw new SelectorError(`unable to parse requirement: ${JSON.stringify(term)}`);
    }
  }
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return requirements.every((r) => r(labels));
  };
}

/**
 * `metadata.name` and `metadata.namespace` with `=`, `==` and `!=`: the field labels every
 * resource supports. Others are refused with the real API's message (each built-in type adds a
 * few of its own, e.g. pods' spec.nodeName; the fake has no use for them).
 */
export function parseFieldSelector(selector: string | undefined): Selector {
  if (!selector) return everything;
  const requirements: Selector[] = [];
  for (const term of splitTerms(selector)) {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    let read: (obj: KubeObject) => string;
    if (field === 'metadata.name') read = (o) => o.metadata.name;
    else if (field === 'metadata.namespace') read = (o) => o.metadata.namespace ?? '';
    else throw new SelectorError(`field label not supported: ${field}`);
    requirements.push(op === '!=' ? (o) => read(o) !== value : (o) => read(o) === value);
  }
  return (obj) => requirements.every((r) => r(obj));
}
