package webapp

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wasmFile is one encoding of app.wasm, held in memory (the identity
// encoding is not: see ServeHTTP).
type wasmFile struct {
	encoding string // "", "br" or "gzip"
	etag     string
	data     []byte
}

// wasmBundle is app.wasm in its three encodings.
type wasmBundle struct {
	hash     string // hex, a prefix of the SHA-256 of app.wasm
	path     string // "/web/app.<hash>.wasm"
	rawSize  int
	identity wasmFile
	br       wasmFile
	gzip     wasmFile
}

// errNoWasm is wrapped by New's error when the web directory is not built.
var errNoWasm = errors.New("run `make wasm` to build web/app.wasm, web/app.wasm.br and web/app.wasm.gz")

// loadWasm reads app.wasm, app.wasm.br and app.wasm.gz from dir. The
// compressed copies must not be older than app.wasm, and the gzip copy's
// size trailer must match, so that a rebuilt wasm is never served with stale
// compressed copies under its new hash.
func loadWasm(dir string) (*wasmBundle, error) {
	read := func(name string) ([]byte, time.Time, error) {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, time.Time{}, fmt.Errorf("webapp: %s is missing: %w", p, errNoWasm)
		}
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("webapp: %w", err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("webapp: %w", err)
		}
		return b, fi.ModTime(), nil
	}
	// app.wasm itself is only hashed, not kept: 7 MB of memory for the
	// rare client that accepts neither brotli nor gzip (see ServeHTTP).
	rawPath := filepath.Join(dir, "app.wasm")
	rawInfo, err := os.Stat(rawPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("webapp: %s is missing: %w", rawPath, errNoWasm)
	} else if err != nil {
		return nil, fmt.Errorf("webapp: %w", err)
	}
	rawTime := rawInfo.ModTime()
	sum, err := hashFile(rawPath)
	if err != nil {
		return nil, err
	}
	br, brTime, err := read("app.wasm.br")
	if err != nil {
		return nil, err
	}
	gz, gzTime, err := read("app.wasm.gz")
	if err != nil {
		return nil, err
	}
	// A second of slack: tools may write the three files in any order.
	if brTime.Before(rawTime.Add(-time.Second)) || gzTime.Before(rawTime.Add(-time.Second)) {
		return nil, fmt.Errorf("webapp: the compressed copies in %s are older than app.wasm: %w", dir, errNoWasm)
	}
	if len(gz) < 4 || binary.LittleEndian.Uint32(gz[len(gz)-4:]) != uint32(rawInfo.Size()) {
		return nil, fmt.Errorf("webapp: %s does not match app.wasm: %w", filepath.Join(dir, "app.wasm.gz"), errNoWasm)
	}

	hash := hex.EncodeToString(sum[:8])
	return &wasmBundle{
		hash:     hash,
		path:     "/web/app." + hash + ".wasm",
		rawSize:  int(rawInfo.Size()),
		identity: wasmFile{etag: `"` + hash + `"`},
		br:       wasmFile{encoding: "br", etag: `"` + hash + `-br"`, data: br},
		gzip:     wasmFile{encoding: "gzip", etag: `"` + hash + `-gz"`, data: gz},
	}, nil
}

// ServeHTTP serves app.<hash>.wasm precompressed by Accept-Encoding (br,
// then gzip, else identity), cacheable forever; any other path under /web/
// is not found.
func (b *wasmBundle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != b.path {
		http.NotFound(w, r)
		return
	}
	f := &b.identity
	switch ae := r.Header.Get("Accept-Encoding"); {
	case acceptsEncoding(ae, "br"):
		f = &b.br
	case acceptsEncoding(ae, "gzip"):
		f = &b.gzip
	}
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Add("Vary", "Accept-Encoding")
	h.Set("ETag", f.etag)
	if f.encoding != "" {
		h.Set("Content-Encoding", f.encoding)
	}
	// Not http.ServeContent: it omits Content-Length when Content-Encoding
	// is set. No ranges: browsers fetch the wasm whole.
	if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if f == &b.identity {
		// Decompressed from the gzip copy, whose size trailer matched
		// app.wasm's when it was loaded.
		h.Set("Content-Length", strconv.Itoa(b.rawSize))
		if r.Method == http.MethodHead {
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(b.gzip.data))
		if err == nil {
			io.Copy(w, zr)
		}
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(f.data)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(f.data)
}

// hashFile returns the SHA-256 of a file, read as a stream.
func hashFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("webapp: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("webapp: %w", err)
	}
	return h.Sum(nil), nil
}

// etagMatch reports whether an If-None-Match header value matches etag
// (weak comparison).
func etagMatch(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// acceptsEncoding reports whether an Accept-Encoding header value accepts
// coding with a non-zero quality, by name or through "*".
func acceptsEncoding(header, coding string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		ok := !zeroQuality(params)
		switch {
		case strings.EqualFold(name, coding):
			return ok
		case name == "*":
			star = ok
		}
	}
	return star
}

// zeroQuality reports whether params (after the coding's ";") say q=0.
func zeroQuality(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			v = strings.TrimRight(strings.TrimSpace(v), "0")
			return v == "" || v == "0" || v == "0." || v == "."
		}
	}
	return false
}
