import type { Provider, Type } from '@nestjs/common';
import { ConflictStore } from '../conflicts/conflict-store';
import { ConflictsController } from '../conflicts/conflicts.controller';
import { ConflictsService } from '../conflicts/conflicts.service';
import { FirstSeenStore } from '../feed/first-seen-store';
import { IpamBus } from '../feed/ipam-bus';
import { PlanFeed } from '../feed/plan-feed';
import { RegistryFeed } from '../feed/registry-feed';
import { AddressLookup } from '../lookup/address-lookup';
import { LookupController } from '../lookup/lookup.controller';
import { LookupIndex } from '../lookup/lookup-index';
import { ValidationMetrics } from './validation-metrics';
import { ValidationSettings } from './validation-settings';
import { ValidationState } from './validation-state';
import { VerdictPublisher } from './verdict-publisher';
import { VerdictsController } from './verdicts.controller';
import { VerdictsService } from './verdicts.service';

/**
 * What validation adds to the IPAM's module (issue 4): the registry and plan feeds, the
 * validator's state and its publisher, the conflict records, verdicts and the address lookup.
 * They need the module's PgService and ServiceMetrics.
 */
export function validationParts(settings: ValidationSettings): {
  controllers: Type[];
  providers: Provider[];
} {
  return {
    controllers: [ConflictsController, VerdictsController, LookupController],
    providers: [
      { provide: ValidationSettings, useValue: settings },
      IpamBus,
      ValidationState,
      ValidationMetrics,
      LookupIndex,
      AddressLookup,
      FirstSeenStore,
      PlanFeed,
      RegistryFeed,
      ConflictStore,
      ConflictsService,
      VerdictPublisher,
      VerdictsService,
    ],
  };
}
