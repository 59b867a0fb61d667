// The pure core of the IPAM service: prefix arithmetic, free-space planning, the address index
// and pod block validation. No IO, no clock, no framework: adapters feed it and publish its output.
export { IpamInputError } from './errors';
export {
  addressBits,
  comparePrefixes,
  hostMask,
  prefixContains,
  prefixContainsAddress,
  prefixesEqual,
  prefixesOverlap,
  prefixLast,
  prefixOf,
  prefixSize,
  type IpFamily,
  type Prefix,
} from './prefix/prefix';
export {
  formatAddressValue,
  parseAddressValue,
  parseCanonicalAddress,
  type AddressValue,
} from './prefix/address-text';
export { formatPrefix, normalizePrefix, parsePrefix, prefixFromCidr } from './prefix/prefix-text';
export {
  checkRequestedLength,
  describeExhaustion,
  nextFreeBlock,
  type NextFreeBlock,
} from './space/next-free';
export {
  largestFreeBlock,
  poolUtilization,
  utilizationView,
  type PoolUtilization,
  type PoolUtilizationView,
} from './space/utilization';
export { PrefixTrie, type PrefixEntry } from './lookup/prefix-trie';
export {
  AddressIndex,
  ownershipOf,
  type AddressMatch,
  type AddressOwner,
  type AddressOwnerKind,
  type AddressOwnership,
} from './lookup/address-index';
export { BlockValidator } from './validation/block-validator';
export { VERDICT_PARTY_LIMIT } from './validation/verdict';
export type {
  AllocationFit,
  AnnouncedBlock,
  BlockConflict,
  BlockVerdict,
  ClusterAllocation,
  ConflictParty,
  ValidationChanges,
  ValidatorInput,
  VerdictChange,
  VerdictStatus,
} from './validation/types';
