package coft

import (
	"crypto/sha256"
	"encoding/hex"
	"math/bits"
	"strconv"
	"strings"
)

// Besides the hash chain, each merchant's ledger is a Merkle tree over its
// entries' records, as Certificate Transparency's (RFC 9162, section
// 2.1): leaf n-1 is entry n's record, and a checkpoint signs the tree's
// root with the chain's head. An inclusion proof — about twenty hashes
// for a million entries — shows that one entry's record is in the tree a
// checkpoint signed, without the records of the entries around it: that
// is how a customer's history is proved without anyone else's entries
// (see docs/EVIDENCE.md).

// MerkleHash is a SHA-256 digest in the tree.
type MerkleHash [sha256.Size]byte

// String is the hash in lowercase hex.
func (h MerkleHash) String() string { return hex.EncodeToString(h[:]) }

// ParseMerkleHash reads a hash written as 64 hex digits.
func ParseMerkleHash(s string) (MerkleHash, bool) {
	var h MerkleHash
	if len(s) != 2*len(h) {
		return h, false
	}
	_, err := hex.Decode(h[:], []byte(s))
	return h, err == nil
}

// MerkleLeafHash is a record's leaf: SHA-256(0x00 || record).
func MerkleLeafHash(record []byte) MerkleHash {
	d := sha256.New()
	d.Write([]byte{0})
	d.Write(record)
	var h MerkleHash
	d.Sum(h[:0])
	return h
}

// MerkleNodeHash is an inner node: SHA-256(0x01 || left || right).
func MerkleNodeHash(left, right MerkleHash) MerkleHash {
	var b [1 + 2*sha256.Size]byte
	b[0] = 1
	copy(b[1:], left[:])
	copy(b[1+sha256.Size:], right[:])
	return sha256.Sum256(b[:])
}

// MerkleNode names a complete subtree: the 2^Level leaves from
// Index·2^Level. Level 0 is a leaf.
type MerkleNode struct {
	Level int
	Index int64
}

// MerklePeaks are the roots of the complete subtrees a tree of Size
// leaves is made of, largest first: one per bit set in Size.
type MerklePeaks struct {
	Size   int64
	Hashes []MerkleHash
}

// Append adds a leaf and returns the inner nodes it completed, lowest
// first (every such node's hash is needed for later proofs).
func (p *MerklePeaks) Append(leaf MerkleHash) []MerkleNodeHashed {
	var done []MerkleNodeHashed
	h := leaf
	i := p.Size // the new leaf's index
	for level := 0; i&(1<<level) != 0; level++ {
		left := p.Hashes[len(p.Hashes)-1]
		p.Hashes = p.Hashes[:len(p.Hashes)-1]
		h = MerkleNodeHash(left, h)
		done = append(done, MerkleNodeHashed{MerkleNode{level + 1, i >> (level + 1)}, h})
	}
	p.Hashes = append(p.Hashes, h)
	p.Size++
	return done
}

// Root is the tree's root (RFC 9162's MTH): the peaks folded from the
// right; the hash of nothing for an empty tree.
func (p *MerklePeaks) Root() MerkleHash {
	if len(p.Hashes) == 0 {
		return sha256.Sum256(nil)
	}
	return MerkleFold(p.Hashes)
}

// MerkleFold combines a range's complete subtrees (largest first, as
// MerkleRange lists them) into the range's hash.
func MerkleFold(hs []MerkleHash) MerkleHash {
	r := hs[len(hs)-1]
	for i := len(hs) - 2; i >= 0; i-- {
		r = MerkleNodeHash(hs[i], r)
	}
	return r
}

// String writes the peaks as their size and hex hashes:
// "6:hash,hash".
func (p *MerklePeaks) String() string {
	parts := make([]string, len(p.Hashes))
	for i, h := range p.Hashes {
		parts[i] = h.String()
	}
	return strconv.FormatInt(p.Size, 10) + ":" + strings.Join(parts, ",")
}

// ParseMerklePeaks reads what MerklePeaks.String wrote; "" is an empty
// tree.
func ParseMerklePeaks(s string) (MerklePeaks, bool) {
	if s == "" {
		return MerklePeaks{}, true
	}
	size, list, ok := strings.Cut(s, ":")
	p := MerklePeaks{}
	for _, c := range size {
		if c < '0' || c > '9' || len(size) > 18 {
			return p, false
		}
		p.Size = p.Size*10 + int64(c-'0')
	}
	if !ok || size == "" {
		return p, false
	}
	if list != "" {
		for _, x := range strings.Split(list, ",") {
			h, ok := ParseMerkleHash(x)
			if !ok {
				return p, false
			}
			p.Hashes = append(p.Hashes, h)
		}
	}
	return p, len(p.Hashes) == bits.OnesCount64(uint64(p.Size))
}

// MerkleNodeHashed is a complete subtree with its hash.
type MerkleNodeHashed struct {
	MerkleNode
	Hash MerkleHash
}

// MerkleRange lists the complete subtrees, largest first, whose fold
// (MerkleFold) is the hash of the n leaves from start, where start is a
// multiple of the smallest power of two not below n (as every range an
// inclusion proof names is).
func MerkleRange(start, n int64) []MerkleNode {
	var out []MerkleNode
	for n > 0 {
		level := 63 - bits.LeadingZeros64(uint64(n)) // the largest power of two in n
		out = append(out, MerkleNode{level, start >> level})
		start += 1 << level
		n -= 1 << level
	}
	return out
}

// InclusionRanges lists the ranges [start, start+n) whose hashes, in
// order, prove leaf m in a tree of size leaves (RFC 9162's PATH, from the
// leaf up).
func InclusionRanges(m, size int64) [][2]int64 {
	var path [][2]int64
	var walk func(m, start, n int64)
	walk = func(m, start, n int64) {
		if n <= 1 {
			return
		}
		k := int64(1) << (63 - bits.LeadingZeros64(uint64(n-1))) // the largest power of two below n
		if m < k {
			walk(m, start, k)
			path = append(path, [2]int64{start + k, n - k})
		} else {
			walk(m-k, start+k, n-k)
			path = append(path, [2]int64{start, k})
		}
	}
	walk(m, 0, size)
	return path
}

// RootFromInclusion is the root that an inclusion proof of leaf index m
// (hash leaf) in a tree of size leaves leads to (RFC 9162, section
// 2.1.3.2); false when the proof has the wrong length for m and size.
func RootFromInclusion(m, size int64, leaf MerkleHash, proof []MerkleHash) (MerkleHash, bool) {
	if m < 0 || m >= size {
		return MerkleHash{}, false
	}
	fn, sn, r := m, size-1, leaf
	for _, p := range proof {
		if sn == 0 {
			return MerkleHash{}, false
		}
		if fn&1 == 1 || fn == sn {
			r = MerkleNodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = MerkleNodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return r, sn == 0
}
