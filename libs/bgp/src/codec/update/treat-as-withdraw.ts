import type { Prefix, UpdateMessage } from '../types';

/**
 * RFC 7606 §2 "treat-as-withdraw": every route the UPDATE announces is withdrawn instead, and its
 * attributes are dropped. IPv4 routes (NLRI field, or MP_REACH_NLRI of AFI 1) go to the withdrawn
 * routes field; IPv6 ones to MP_UNREACH_NLRI. MP attributes of families this codec does not read
 * are dropped with the rest. The result may be an empty UPDATE, which is why isEndOfRib looks at
 * the errors too.
 */
export function treatAsWithdraw(message: UpdateMessage): void {
  const { mpReach, mpUnreach } = message.attributes;
  const ipv4: Prefix[] = [...message.withdrawn, ...message.nlri];
  const ipv6: Prefix[] = [];
  if (mpReach) (mpReach.afi === 1 ? ipv4 : ipv6).push(...mpReach.nlri);
  if (mpUnreach) (mpUnreach.afi === 1 ? ipv4 : ipv6).push(...mpUnreach.withdrawn);
  message.withdrawn = ipv4;
  message.nlri = [];
  message.attributes = ipv6.length > 0 ? { mpUnreach: { afi: 2, safi: 1, withdrawn: ipv6 } } : {};
}
