// Command precompress writes brotli (quality 11) and gzip (best) copies of
// files next to them, for serving precompressed by Accept-Encoding:
//
//	go run ./precompress web/app.wasm   # writes web/app.wasm.br and web/app.wasm.gz
//
// Brotli at quality 11 takes seconds per megabyte: it runs at build time,
// never per request. Outputs are written to a temporary file and renamed,
// so a server never reads a half-written copy.
package main

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/andybalholm/brotli"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: precompress FILE...")
	}
	for _, path := range args {
		if err := compressFile(path, stdout); err != nil {
			return err
		}
	}
	return nil
}

// compressFile writes path.br and path.gz, concurrently, and prints sizes.
func compressFile(path string, stdout io.Writer) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	encoders := []struct {
		ext string
		new func(io.Writer) io.WriteCloser
	}{
		{".br", func(w io.Writer) io.WriteCloser {
			return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
		}},
		{".gz", func(w io.Writer) io.WriteCloser {
			zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression) // the level is valid
			return zw
		}},
	}
	sizes := make([]int64, len(encoders))
	errs := make([]error, len(encoders))
	var wg sync.WaitGroup
	for i, enc := range encoders {
		wg.Go(func() {
			sizes[i], errs[i] = writeCompressed(path+enc.ext, raw, enc.new)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: raw %d B (%.2f MB), gzip %d B (%.2f MB), brotli %d B (%.2f MB)\n",
		path, len(raw), mb(int64(len(raw))), sizes[1], mb(sizes[1]), sizes[0], mb(sizes[0]))
	return nil
}

func writeCompressed(dst string, raw []byte, newWriter func(io.Writer) io.WriteCloser) (size int64, err error) {
	f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	zw := newWriter(f)
	if _, err = zw.Write(raw); err != nil {
		return 0, err
	}
	if err = zw.Close(); err != nil {
		return 0, err
	}
	if err = f.Chmod(0o644); err != nil {
		return 0, err
	}
	if err = f.Close(); err != nil {
		return 0, err
	}
	fi, err := os.Stat(f.Name())
	if err != nil {
		return 0, err
	}
	if err = os.Rename(f.Name(), dst); err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func mb(n int64) float64 { return float64(n) / 1e6 }
