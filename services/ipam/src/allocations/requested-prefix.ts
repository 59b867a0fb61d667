import { InvalidInputError } from '@isthmus/service-kit';
import { prefixContains, type Prefix } from '../core';
import { describePool, type Pool } from '../pools/pool';

/**
 * Whether an explicitly requested prefix can be allocated from `pool` at all (400 if not); whether
 * it is free is the database's to say. Checked in the order an operator would fix them.
 */
export function checkRequestedPrefix(pool: Pool, cidr: string, requested: Prefix): void {
  if (requested.family !== pool.prefix.family) {
    throw new InvalidInputError(
      `${cidr} is an IPv${requested.family} prefix and ${describePool(pool)} is IPv${pool.prefix.family}; ` +
        `ask for an IPv${pool.prefix.family} prefix, or allocate from an IPv${requested.family} pool`,
    );
  }
  if (requested.length < pool.prefix.length) {
    throw new InvalidInputError(
      `${cidr} is larger than ${describePool(pool)}: an allocation is a part of its pool, a /${pool.prefix.length} or longer`,
    );
  }
  if (!prefixContains(pool.prefix, requested)) {
    throw new InvalidInputError(`${cidr} is outside ${describePool(pool)}`);
  }
}
