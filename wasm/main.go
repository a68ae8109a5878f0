// Command wasm is the browser side of the go-app components, built with
// GOOS=js GOARCH=wasm into web/app.wasm (make wasm). It links only package
// app, go-app and the domain: no server code, no net/http.
package main

import (
	"github.com/coftkit/coft/app"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

func main() {
	app.Register()
	goapp.RunWhenOnBrowser()
}
