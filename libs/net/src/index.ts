export { NetParseError } from './errors';
export { parseAddress, formatAddress, familyBits, type IpAddress, type IpFamily } from './address';
export { parseCidr, normalizeCidr, cidrFrom, cidrContains, cidrsOverlap, type Cidr } from './cidr';
