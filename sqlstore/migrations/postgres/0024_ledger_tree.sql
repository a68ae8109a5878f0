-- The Merkle tree over each merchant's consent ledger records
-- (coft.MerklePeaks): the hash of every complete inner subtree (level 1 and
-- up; the leaves are hashed from ledger_entries' records), inserted once,
-- as it completes, in the transaction of the entry that completes it. The
-- chain's head keeps the tree's peaks ("size:hash,…"); a checkpoint signs
-- the tree's root with the head. Inclusion proofs of single entries (a
-- customer's history) are made from these nodes.
CREATE TABLE ledger_tree (
	merchant_id TEXT NOT NULL,
	level       SMALLINT NOT NULL,
	idx         BIGINT NOT NULL,
	hash        BYTEA NOT NULL,
	PRIMARY KEY (merchant_id, level, idx)
);
ALTER TABLE ledger_heads ADD COLUMN peaks TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger_checkpoints ADD COLUMN root TEXT NOT NULL DEFAULT '';
