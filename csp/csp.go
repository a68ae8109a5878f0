// Package csp builds Content-Security-Policy header values. A Policy is a
// value: With and Add return a changed copy, so a base policy can be
// shared and specialized per answer (its frame-ancestors, a form-action
// origin, a logo's img-src) without editing strings.
package csp

import "strings"

// Policy is an ordered list of directives, each with its sources.
type Policy struct {
	directives []directive
}

type directive struct {
	name    string
	sources []string
}

// Parse reads a policy written as "name source…; name source…".
func Parse(s string) Policy {
	var p Policy
	for _, part := range strings.Split(s, ";") {
		if f := strings.Fields(part); len(f) > 0 {
			p = p.With(f[0], f[1:]...)
		}
	}
	return p
}

// With returns the policy with directive name's sources set to sources
// (added at the end when the policy has no such directive).
func (p Policy) With(name string, sources ...string) Policy {
	out := Policy{directives: make([]directive, 0, len(p.directives)+1)}
	found := false
	for _, d := range p.directives {
		if d.name == name {
			d, found = directive{name, append([]string(nil), sources...)}, true
		}
		out.directives = append(out.directives, d)
	}
	if !found {
		out.directives = append(out.directives, directive{name, append([]string(nil), sources...)})
	}
	return out
}

// Add returns the policy with sources added to directive name's, each
// once.
func (p Policy) Add(name string, sources ...string) Policy {
	cur := p.Sources(name)
	for _, s := range sources {
		if s != "" && !contains(cur, s) {
			cur = append(cur, s)
		}
	}
	return p.With(name, cur...)
}

// Sources returns directive name's sources (nil when absent).
func (p Policy) Sources(name string) []string {
	for _, d := range p.directives {
		if d.name == name {
			return append([]string(nil), d.sources...)
		}
	}
	return nil
}

// String writes the policy as a header value.
func (p Policy) String() string {
	var b strings.Builder
	for i, d := range p.directives {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d.name)
		for _, s := range d.sources {
			b.WriteByte(' ')
			b.WriteString(s)
		}
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// None is the policy of answers that are not pages: nothing loads, and
// nothing frames them.
var None = Parse("default-src 'none'; frame-ancestors 'none'")
