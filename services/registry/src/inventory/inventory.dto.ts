import { z } from 'zod';
import { PageQuery } from '@isthmus/service-kit';
import {
  CidrText,
  DnsLabel,
  IpAddressText,
  Labels,
  ObjectName,
  Protocol,
  ServiceType,
} from '@isthmus/contracts';

/**
 * What the static API takes. Shapes follow the domain states (libs/contracts) with the cluster
 * taken from the URL and defaults for what is usually left out.
 */
export const NodeBody = z.strictObject({
  addresses: z.array(IpAddressText).min(1, { message: 'a node needs at least one address' }).max(64),
  ready: z.boolean().default(true),
  labels: Labels.default({}),
});
export const NodeInput = NodeBody.extend({ name: ObjectName });

export const PodBlockBody = z.strictObject({
  node: ObjectName,
  nextHop: IpAddressText.optional().describe(
    "An address of the block's family. Without it the next hop is the node's first address of " +
      "the block's family, and follows the node: when the node's addresses change, so does the " +
      "block's next hop. A node left with no address of the family of a block that follows it is " +
      'refused (409).',
  ),
});
export const PodBlockInput = PodBlockBody.extend({ cidr: CidrText });

const PortNumber = z.number().int().min(1).max(65535);

const ServicePortInput = z.strictObject({
  name: z.string().max(63).nullable().default(null),
  protocol: Protocol.default('TCP'),
  port: PortNumber,
  targetPort: z
    .union([PortNumber, z.string().min(1).max(15)])
    .nullable()
    .default(null),
  nodePort: PortNumber.nullable().default(null),
});

const EndpointInput = z.strictObject({
  address: IpAddressText,
  ports: z
    .array(
      z.strictObject({
        name: z.string().max(63).nullable().default(null),
        protocol: Protocol.default('TCP'),
        port: PortNumber,
      }),
    )
    .max(100)
    .default([]),
  node: ObjectName.nullable().default(null),
  hostname: DnsLabel.nullable().default(null),
  ready: z.boolean().default(true),
  /** Defaults to `ready` (EndpointSlice semantics: serving is ready regardless of terminating). */
  serving: z.boolean().optional(),
  terminating: z.boolean().default(false),
});

const ServiceFields = z.strictObject({
  type: ServiceType.default('ClusterIP'),
  clusterIPs: z.array(IpAddressText).max(2).default([]),
  loadBalancerIPs: z.array(IpAddressText).max(64).default([]),
  externalName: z.string().min(1).max(253).nullable().default(null),
  ports: z.array(ServicePortInput).max(256).default([]),
  labels: Labels.default({}),
  /** Defaults to the cluster's exportDefault. */
  exported: z.boolean().optional(),
  endpoints: z.array(EndpointInput).max(10_000).default([]),
});

function checkServiceType(s: z.infer<typeof ServiceFields>, ctx: z.RefinementCtx) {
  if (s.type === 'ExternalName' && !s.externalName) {
    ctx.addIssue({
      code: 'custom',
      path: ['externalName'],
      message: 'an ExternalName service needs externalName',
    });
  }
  if (s.type !== 'ExternalName' && s.externalName) {
    ctx.addIssue({
      code: 'custom',
      path: ['externalName'],
      message: 'only ExternalName services have externalName',
    });
  }
  if (s.type === 'Headless' && s.clusterIPs.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['clusterIPs'], message: 'a Headless service has no cluster IPs' });
  }
}

export const ServiceBody = ServiceFields.superRefine(checkServiceType);
export const ServiceInput = ServiceFields.extend({ namespace: ObjectName, name: ObjectName }).superRefine(
  checkServiceType,
);
export type ServiceBody = z.infer<typeof ServiceBody>;
export type ServiceInput = z.infer<typeof ServiceInput>;
export type NodeInput = z.infer<typeof NodeInput>;
export type PodBlockInput = z.infer<typeof PodBlockInput>;

export const ServiceKeyInput = z.strictObject({ namespace: ObjectName, name: ObjectName });

const MAX_CHANGES = 10_000;

export const ChangesBody = z
  .strictObject({
    upsert: z
      .strictObject({
        nodes: z.array(NodeInput).default([]),
        podBlocks: z.array(PodBlockInput).default([]),
        services: z.array(ServiceInput).default([]),
      })
      .default({ nodes: [], podBlocks: [], services: [] }),
    delete: z
      .strictObject({
        nodes: z.array(ObjectName).default([]),
        podBlocks: z.array(CidrText).default([]),
        services: z.array(ServiceKeyInput).default([]),
      })
      .default({ nodes: [], podBlocks: [], services: [] }),
  })
  .superRefine((b, ctx) => {
    const n =
      b.upsert.nodes.length +
      b.upsert.podBlocks.length +
      b.upsert.services.length +
      b.delete.nodes.length +
      b.delete.podBlocks.length +
      b.delete.services.length;
    if (n > MAX_CHANGES) {
      ctx.addIssue({
        code: 'custom',
        message: `${n} changes in one request; at most ${MAX_CHANGES}, split it`,
      });
    }
  });
export type ChangesBody = z.infer<typeof ChangesBody>;

export const NodeListQuery = PageQuery;
export const PodBlockListQuery = NodeListQuery.extend({
  cluster: DnsLabel.optional(),
  node: ObjectName.optional(),
});
export const ServiceListQuery = NodeListQuery.extend({
  cluster: DnsLabel.optional(),
  namespace: ObjectName.optional(),
  exported: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
});
