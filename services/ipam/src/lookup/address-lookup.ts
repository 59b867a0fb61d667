import { Injectable } from '@nestjs/common';
import { NetParseError } from '@isthmus/net';
import { InvalidInputError } from '@isthmus/service-kit';
import {
  formatAddressValue,
  formatPrefix,
  parseAddressValue,
  type AddressMatch,
  type AddressOwner,
} from '../core';
import { ValidationState } from '../validation/validation-state';
import { LookupIndex } from './lookup-index';
import type { AddressLookupView, BlockHolderView } from './lookup.dto';

type Owner<K extends AddressOwner['kind']> = Extract<AddressOwner, { kind: K }>;

/**
 * GET /v1/lookup/{address}: who holds an address, by longest-prefix match over the in-memory
 * index (DESIGN.md, "IPAM semantics": which cluster, node, block, and endpoint owns it).
 *
 * An address nobody holds is an answer, not a missing resource: 200 with every field empty
 * (null, []), as a route lookup that matches nothing is still a lookup. 404 would read as "no
 * such endpoint" to clients and proxies.
 */
@Injectable()
export class AddressLookup {
  constructor(
    private readonly index: LookupIndex,
    private readonly validation: ValidationState,
  ) {}

  lookup(text: string): AddressLookupView {
    const { family, value } = parseAddress(text);
    const { matches, nodes } = this.index.holdersOf(family, value);
    const view: AddressLookupView = {
      address: formatAddressValue(family, value),
      pool: null,
      allocation: null,
      block: null,
      blocks: [],
      endpoints: [],
      nodes,
    };
    for (const m of matches) this.add(view, m);
    // The owner is the most specific block that validation lets through; if every block holding
    // the address is excluded, the most specific one (its verdict says why nobody routes it).
    view.block = view.blocks.find((b) => b.verdict?.status === 'valid') ?? view.blocks[0] ?? null;
    return view;
  }

  /** Matches come most specific first, so the first pool and allocation seen are the ones to name. */
  private add(view: AddressLookupView, m: AddressMatch): void {
    const cidr = formatPrefix(m.prefix);
    switch (m.owner.kind) {
      case 'pool':
        view.pool ??= { name: m.owner.pool, cidr };
        break;
      case 'allocation': {
        const a: Owner<'allocation'> = m.owner;
        view.allocation ??= {
          id: Number(a.allocation),
          pool: a.pool,
          cluster: a.cluster,
          purpose: a.purpose,
          cidr,
        };
        break;
      }
      case 'block':
        view.blocks.push(this.blockView(m.owner, cidr));
        break;
      case 'endpoint': {
        const { cluster, namespace, service, node, hostname } = m.owner;
        view.endpoints.push({ cluster, namespace, service, node, hostname });
        break;
      }
    }
  }

  private blockView(owner: Owner<'block'>, cidr: string): BlockHolderView {
    const verdict = this.validation.verdict(owner.cluster, cidr);
    return {
      cluster: owner.cluster,
      cidr,
      node: owner.node,
      nextHop: owner.nextHop,
      verdict: verdict
        ? { status: verdict.status, allocation: verdict.allocation, excludedByTotal: verdict.excludedByTotal }
        : null,
    };
  }
}

function parseAddress(text: string) {
  if (text.includes('/')) {
    throw new InvalidInputError(
      `"${text}" is a prefix; look up one address (e.g. ${text.slice(0, text.indexOf('/'))})`,
    );
  }
  try {
    return parseAddressValue(text);
  } catch (e) {
    if (e instanceof NetParseError) {
      throw new InvalidInputError(
        `${e.message}; write one IPv4 address (e.g. 192.168.0.10) or IPv6 address (e.g. 2001:db8::10)`,
      );
    }
    throw e;
  }
}
