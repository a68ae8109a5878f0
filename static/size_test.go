package static

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// TestConsoleAssetsSize: the console's own stylesheet and script stay
// under 30 KB compressed (gzip, as served).
func TestConsoleAssetsSize(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	for _, name := range []string{"console.css", "console.js"} {
		b, err := FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(b)
	}
	zw.Close()
	if n := buf.Len(); n > 30<<10 {
		t.Errorf("console.css and console.js are %d bytes compressed; the budget is 30 KB", n)
	} else {
		t.Logf("console.css + console.js: %d bytes gzip", n)
	}
}
