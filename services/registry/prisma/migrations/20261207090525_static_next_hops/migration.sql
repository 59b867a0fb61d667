-- AlterTable
ALTER TABLE "pod_block" ADD COLUMN     "next_hop_explicit" BOOLEAN NOT NULL DEFAULT false;

-- Static blocks written before this column existed: one whose next hop is not an address of its
-- node can only have been given explicitly, and stays so. The others follow their node from now
-- on: the next write of the node re-derives their next hop (the address of the block's family).
UPDATE "pod_block" b
   SET "next_hop_explicit" = true
 WHERE NOT b."deleted"
   AND (b."state"::jsonb ->> 'source') = 'static'
   AND NOT EXISTS (
         SELECT 1 FROM "node" n
          WHERE n."cluster" = b."cluster" AND n."name" = b."node" AND NOT n."deleted"
            AND (n."state"::jsonb -> 'addresses') ? (b."state"::jsonb ->> 'nextHop'));
