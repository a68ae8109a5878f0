// Package static holds the service's static assets (styles, icons,
// scripts), embedded into the server binary.
package static

import "embed"

// FS holds the assets, served under /static/.
//
//go:embed *.css *.svg *.js
var FS embed.FS
