package httpapi_test

// Shapes: a JSON value described as the list of its key paths, each with
// its JSON type. The shape files under testdata/juspay/ are written by
// writeShapes (go test -update-shapes) and read by TestGoldenShapes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// JSON types as shape files write them. typeFiltered is a value Juspay
// published as the placeholder "FILTERED": its real type is unknown, so,
// like null, it only asks for the key.
const (
	typeNull     = "null"
	typeFiltered = "filtered"
)

// shape maps a key path to the types seen there (several when array
// elements differ).
type shape map[string]map[string]bool

// plainKey is a key written as is in a path; others are written
// ["json quoted"].
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_:@$-]+$`)

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return typeNull
	case bool:
		return "bool"
	case float64, json.Number:
		return "number"
	case string:
		if x == "FILTERED" {
			return typeFiltered
		}
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// shapeOf lists every key path of v (the root itself is not a path). Array
// elements are described once, as [], with the union of their keys.
func shapeOf(v any) shape {
	s := shape{}
	s.walk("", v)
	return s
}

func (s shape) add(path, typ string) {
	if s[path] == nil {
		s[path] = map[string]bool{}
	}
	s[path][typ] = true
}

func (s shape) walk(path string, v any) {
	if path != "" {
		s.add(path, jsonType(v))
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			s.walk(path+"[]", e)
		}
	case map[string]any:
		for k, e := range x {
			s.walk(joinKey(path, k), e)
		}
	}
}

func joinKey(path, k string) string {
	if !plainKey.MatchString(k) {
		q, _ := json.Marshal(k)
		return path + "[" + string(q) + "]"
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

// typeList writes a path's types sorted and joined by "|".
func typeList(types map[string]bool) string {
	var l []string
	for t := range types {
		l = append(l, t)
	}
	sort.Strings(l)
	return strings.Join(l, "|")
}

func (s shape) paths() []string {
	var l []string
	for p := range s {
		l = append(l, p)
	}
	sort.Strings(l)
	return l
}

// shapeFile is one parsed shape file.
type shapeFile struct {
	header []string // comment lines, without "# "
	paths  []string // in file order
	types  map[string][]string
}

func readShapeFile(name string) (*shapeFile, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	f := &shapeFile{types: map[string][]string{}}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, " \r")
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			f.header = append(f.header, strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
		default:
			sp := strings.LastIndexByte(line, ' ')
			if sp <= 0 {
				return nil, fmt.Errorf("%s:%d: want \"path type\", got %q", name, i+1, line)
			}
			p, t := line[:sp], line[sp+1:]
			f.paths = append(f.paths, p)
			f.types[p] = strings.Split(t, "|")
		}
	}
	return f, nil
}

// matches reports whether our types at a path satisfy the sample's: null
// and FILTERED in the sample ask only for the key.
func typesMatch(sample []string, ours map[string]bool) bool {
	if len(ours) == 0 {
		return false
	}
	for _, t := range sample {
		if t == typeNull || t == typeFiltered || ours[t] {
			return true
		}
	}
	return false
}

// repairJSON makes a published sample parse: it returns the JSON documents
// in it (some files hold two) and the repairs made, for the shape file's
// header. Well-formed samples are returned untouched.
func repairJSON(b []byte) (docs []any, repairs []string, err error) {
	if docs, err = decodeAll(b); err == nil {
		return docs, nil, nil
	}
	s := string(b)
	if n := strings.Count(s, "“") + strings.Count(s, "”"); n > 0 {
		s = strings.NewReplacer("“", `"`, "”", `"`).Replace(s)
		repairs = append(repairs, fmt.Sprintf("%d curly quote%s replaced by \"", n, plural(n)))
	}
	var n int
	if s, n = stripComments(s); n > 0 {
		repairs = append(repairs, fmt.Sprintf("%d `//` comment%s removed", n, plural(n)))
	}
	if s, n = stripTrailingCommas(s); n > 0 {
		repairs = append(repairs, fmt.Sprintf("%d trailing comma%s removed", n, plural(n)))
	}
	docs, err = decodeAll([]byte(s))
	return docs, repairs, err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func decodeAll(b []byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var docs []any
	for {
		var v any
		if err := dec.Decode(&v); err != nil {
			if err == io.EOF && len(docs) > 0 {
				return docs, nil
			}
			return nil, err
		}
		docs = append(docs, v)
	}
}

// scanJSON calls fn for every byte outside JSON strings, with its index;
// fn returns how many bytes to drop from there (0 to keep it).
func scanJSON(s string, fn func(i int) int) (string, int) {
	var out strings.Builder
	inString, escaped, n := false, false, 0
	for i := 0; i < len(s); {
		c := s[i]
		if inString {
			out.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			i++
			continue
		}
		if drop := fn(i); drop > 0 {
			i += drop
			n++
			continue
		}
		if c == '"' {
			inString = true
		}
		out.WriteByte(c)
		i++
	}
	return out.String(), n
}

func stripComments(s string) (string, int) {
	return scanJSON(s, func(i int) int {
		if !strings.HasPrefix(s[i:], "//") {
			return 0
		}
		end := strings.IndexByte(s[i:], '\n')
		if end < 0 {
			return len(s) - i
		}
		return end
	})
}

func stripTrailingCommas(s string) (string, int) {
	return scanJSON(s, func(i int) int {
		if s[i] != ',' {
			return 0
		}
		rest := strings.TrimLeft(s[i+1:], " \t\r\n")
		if rest != "" && (rest[0] == '}' || rest[0] == ']') {
			return 1
		}
		return 0
	})
}

// writeShapeFile writes a sample's shape with its header.
func writeShapeFile(name string, header []string, s shape) error {
	var b strings.Builder
	for _, h := range header {
		b.WriteString("# " + h + "\n")
	}
	for _, p := range s.paths() {
		b.WriteString(p + " " + typeList(s[p]) + "\n")
	}
	if !utf8.ValidString(b.String()) {
		return fmt.Errorf("%s: not UTF-8", name)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, []byte(b.String()), 0o644)
}
