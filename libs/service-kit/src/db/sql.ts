/**
 * The little SQL surface a write path needs. Two implementations: a node-postgres client
 * (PgService.transaction) and a Prisma transaction (prismaSql), so that the same statements serve
 * both.
 */
export interface Sql {
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  execute(text: string, params?: readonly unknown[]): Promise<number>;
}

/** The raw-SQL methods of a Prisma client or transaction (structural: each service generates its own client). */
export interface PrismaRawSql {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

export function prismaSql(tx: PrismaRawSql): Sql {
  return {
    query: async <T>(text: string, params: readonly unknown[] = []) =>
      await tx.$queryRawUnsafe<T[]>(text, ...params),
    execute: async (text: string, params: readonly unknown[] = []) =>
      await tx.$executeRawUnsafe(text, ...params),
  };
}
