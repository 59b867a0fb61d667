import type { Tx } from './prisma.service';

/**
 * The little SQL surface the write path needs. Two implementations: a node-postgres client (the
 * writer's and the relay's hot paths) and a Prisma transaction (cluster operations, which use
 * Prisma's typed API around the same helpers).
 */
export interface Sql {
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  execute(text: string, params?: readonly unknown[]): Promise<number>;
}

export function prismaSql(tx: Tx): Sql {
  return {
    query: <T>(text: string, params: readonly unknown[] = []) => tx.$queryRawUnsafe<T[]>(text, ...params),
    execute: (text: string, params: readonly unknown[] = []) => tx.$executeRawUnsafe(text, ...params),
  };
}
