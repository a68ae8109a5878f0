// Package webapptest provides a stand-in for the built wasm, so tests can
// serve the real frontend without running `make wasm`.
package webapptest

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// StandInDir returns a temporary directory holding a tiny app.wasm with its
// compressed copies, in the layout webapp.New expects.
func StandInDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	raw := []byte("\x00asm\x01\x00\x00\x00 stand-in")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	// app.wasm first: the compressed copies must not be older.
	for _, f := range []struct {
		name string
		data []byte
	}{{"app.wasm", raw}, {"app.wasm.gz", gz.Bytes()}, {"app.wasm.br", raw}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}
