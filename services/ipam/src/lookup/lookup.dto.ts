import type { AllocationFit, VerdictStatus } from '@isthmus/contracts';
import type { NodeAddressOwner } from './lookup-index';

/** A pod block that holds the address, with what validation says about it (null: not judged yet). */
export interface BlockHolderView {
  cluster: string;
  cidr: string;
  node: string;
  nextHop: string;
  verdict: { status: VerdictStatus; allocation: AllocationFit; excludedByTotal: number } | null;
}

/** The answer of GET /v1/lookup/{address}; null and [] where nothing of that kind holds it. */
export interface AddressLookupView {
  /** The address in canonical form (RFC 5952 for IPv6). */
  address: string;
  /** The pool whose prefix contains the address. */
  pool: { name: string; cidr: string } | null;
  /** The allocation of that pool that contains it. */
  allocation: { id: number; pool: string; cluster: string; purpose: string; cidr: string } | null;
  /** The block that owns it: the most specific valid one, else the most specific one. */
  block: BlockHolderView | null;
  /** Every pod block that contains it, most specific first (more than one: overlapping blocks). */
  blocks: BlockHolderView[];
  /** Every service that has it as an endpoint address (a pod may back several services). */
  endpoints: {
    cluster: string;
    namespace: string;
    service: string;
    node: string | null;
    hostname: string | null;
  }[];
  /** Nodes that have it as one of their own addresses. */
  nodes: NodeAddressOwner[];
}
