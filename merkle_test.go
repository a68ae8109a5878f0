package coft_test

import (
	"fmt"
	"math/bits"
	"testing"

	"github.com/coftkit/coft"
)

// mth is RFC 9162's MTH, as written there.
func mth(leaves []coft.MerkleHash) coft.MerkleHash {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1 << (63 - bits.LeadingZeros64(uint64(len(leaves)-1)))
	return coft.MerkleNodeHash(mth(leaves[:k]), mth(leaves[k:]))
}

// path is RFC 9162's PATH, as written there.
func path(m int, leaves []coft.MerkleHash) []coft.MerkleHash {
	if len(leaves) <= 1 {
		return nil
	}
	k := 1 << (63 - bits.LeadingZeros64(uint64(len(leaves)-1)))
	if m < k {
		return append(path(m, leaves[:k]), mth(leaves[k:]))
	}
	return append(path(m-k, leaves[k:]), mth(leaves[:k]))
}

// TestMerkle: the peaks kept as leaves are appended give RFC 9162's root
// and the hashes of the nodes they complete; proofs assembled from stored
// nodes are RFC 9162's and lead to the root; a wrong proof does not.
func TestMerkle(t *testing.T) {
	var leaves []coft.MerkleHash
	nodes := map[coft.MerkleNode]coft.MerkleHash{}
	var p coft.MerklePeaks
	for n := 1; n <= 70; n++ {
		leaf := coft.MerkleLeafHash([]byte(fmt.Sprintf(`{"seq":%d}`, n)))
		leaves = append(leaves, leaf)
		nodes[coft.MerkleNode{Level: 0, Index: int64(n - 1)}] = leaf
		for _, d := range p.Append(leaf) {
			lo := int(d.Index) << d.Level
			if want := mth(leaves[lo : lo+1<<d.Level]); d.Hash != want {
				t.Fatalf("size %d: node %+v = %s, want %s", n, d.MerkleNode, d.Hash, want)
			}
			nodes[d.MerkleNode] = d.Hash
		}
		root := mth(leaves)
		if p.Root() != root || p.Size != int64(n) {
			t.Fatalf("size %d: root %s, want %s", n, p.Root(), root)
		}
		q, ok := coft.ParseMerklePeaks(p.String())
		if !ok || q.Root() != root || q.Size != p.Size {
			t.Fatalf("size %d: peaks %q do not read back", n, p.String())
		}
		for m := range n {
			var proof []coft.MerkleHash
			for _, r := range coft.InclusionRanges(int64(m), int64(n)) {
				var hs []coft.MerkleHash
				for _, id := range coft.MerkleRange(r[0], r[1]) {
					h, ok := nodes[id]
					if !ok {
						t.Fatalf("size %d leaf %d: node %+v is not stored", n, m, id)
					}
					hs = append(hs, h)
				}
				proof = append(proof, coft.MerkleFold(hs))
			}
			if want := path(m, leaves); fmt.Sprint(proof) != fmt.Sprint(want) {
				t.Fatalf("size %d leaf %d: proof %v, want %v", n, m, proof, want)
			}
			if got, ok := coft.RootFromInclusion(int64(m), int64(n), leaves[m], proof); !ok || got != root {
				t.Fatalf("size %d leaf %d: proof leads to %s, %v", n, m, got, ok)
			}
			if got, ok := coft.RootFromInclusion(int64(m), int64(n), leaves[(m+1)%n], proof); ok && got == root && n > 1 {
				t.Fatalf("size %d leaf %d: another leaf's proof verifies", n, m)
			}
			if len(proof) > 0 {
				if _, ok := coft.RootFromInclusion(int64(m), int64(n), leaves[m], proof[1:]); ok {
					t.Fatalf("size %d leaf %d: a short proof verifies", n, m)
				}
			}
		}
	}
	for _, bad := range []string{"x", "3:", "2:ab", "1:" + leaves[0].String() + "," + leaves[1].String(), "-1:"} {
		if _, ok := coft.ParseMerklePeaks(bad); ok {
			t.Errorf("ParseMerklePeaks(%q) is ok", bad)
		}
	}
}
