// Package cardscan searches what the service wrote or sent for card data:
// any 12-digit run of a known card number, and a known security code where
// a request would have carried it. The browser, leak and load suites use it
// on files, logs, database rows, pages and webhook bodies.
package cardscan

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Scanner finds the card numbers and security code it was made with.
type Scanner struct {
	runs map[string]string // every 12-digit run of a card number → the number
	cvv  [][]byte          // the security code as the service's inputs carry it
}

// New returns a Scanner for the card numbers pans and the security code cvv.
func New(pans []string, cvv string) *Scanner {
	s := &Scanner{runs: map[string]string{}}
	for _, pan := range pans {
		for i := 0; i+12 <= len(pan); i++ {
			s.runs[pan[i:i+12]] = pan
		}
	}
	for _, p := range []string{"card_security_code=", `"card_security_code":"`, `"cardSecurityCode":"`, "cvv=", `"cvv":"`} {
		s.cvv = append(s.cvv, []byte(p+cvv))
	}
	return s
}

// Hits describes each piece of card data in b (one per run of digits), or
// returns nil. It reads b once for the numbers: runs of 12 digits or more,
// single spaces or dashes between them allowed ("4242 4242 4242 4242"), are
// looked up.
func (s *Scanner) Hits(b []byte) []string {
	var out []string
	var digits []byte
	for i := 0; i < len(b); {
		if !isDigit(b[i]) {
			i++
			continue
		}
		start := i
		digits = digits[:0]
		for i < len(b) {
			if isDigit(b[i]) {
				digits = append(digits, b[i])
				i++
			} else if (b[i] == ' ' || b[i] == '-') && i+1 < len(b) && isDigit(b[i+1]) {
				i++
			} else {
				break
			}
		}
		for k := 0; k+12 <= len(digits); k++ {
			if pan, ok := s.runs[string(digits[k:k+12])]; ok {
				// Named by its place and last four: the report itself
				// is not to repeat the number.
				out = append(out, fmt.Sprintf("a run of %d digits at byte %d holding 12 of card …%s", len(digits), start, pan[len(pan)-4:]))
				break
			}
		}
	}
	for _, c := range s.cvv {
		if bytes.Contains(b, c) {
			out = append(out, "the security code ("+string(c)+")")
		}
	}
	return out
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Finding is card data found in one place.
type Finding struct {
	Where string
	Hits  []string
}

// Report is what a scan covered and what it found.
type Report struct {
	Sources  int   // files, tables or bodies scanned
	Bytes    int64 // bytes scanned
	Findings []Finding
}

// Add scans b, found at where, into the report.
func (r *Report) Add(s *Scanner, where string, b []byte) {
	r.Sources++
	r.Bytes += int64(len(b))
	if hits := s.Hits(b); hits != nil {
		r.Findings = append(r.Findings, Finding{where, hits})
	}
}

// Merge adds another report's figures and findings to r.
func (r *Report) Merge(o Report) {
	r.Sources += o.Sources
	r.Bytes += o.Bytes
	r.Findings = append(r.Findings, o.Findings...)
}

// Dir scans every file under root: database, write-ahead log, keys, logs.
func (s *Scanner) Dir(root string) (Report, error) {
	var r Report
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		r.Add(s, path, b)
		return nil
	})
	return r, err
}

// Postgres scans a text dump of every row of every table in schema.
func (s *Scanner) Postgres(ctx context.Context, db *sql.DB, schema string) (Report, error) {
	var r Report
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, schema)
	if err != nil {
		return r, err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return r, err
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	for _, table := range tables {
		var dump sql.NullString
		q := fmt.Sprintf(`SELECT string_agg(t::text, E'\n') FROM %q.%q t`, schema, table)
		if err := db.QueryRowContext(ctx, q).Scan(&dump); err != nil {
			return r, fmt.Errorf("dump %s: %w", table, err)
		}
		r.Add(s, "PostgreSQL table "+table, []byte(dump.String))
	}
	return r, nil
}
