// Package app holds the service's go-app components: the hosted consent
// dialog shown before the bank page, and the customer's saved-cards screen. The same code runs in two places:
//
//   - on the server, where go-app prerenders it to HTML (package webapp turns
//     that HTML into a fast template), and
//   - in the browser, compiled to WebAssembly (./wasm), where it replaces the
//     prerendered DOM and adds focus handling, a focus trap and a pending
//     state.
//
// The prerendered HTML is a complete native form: the customer can choose
// without JavaScript or WebAssembly. The wasm only enhances it.
//
// The package imports only the standard library, go-app and the domain, so
// that GOOS=js GOARCH=wasm builds stay small and free of server code.
package app

import (
	"sync"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ConsentRoute is the path pattern of the hosted consent page,
// GET (and POST) /v2/txns/consent/{merchant_id}/{txn_uuid}.
const ConsentRoute = `^/v2/txns/consent/[A-Za-z0-9_-]{1,64}/[0-9a-f]{32}$`

// WidgetRoute is the path of the consent dialog embedded in a merchant's
// page by the drop-in script, GET (and POST) /v2/consent/widget.
const WidgetRoute = `^/v2/consent/widget$`

// DemoDialogRoute is the path of the dialog in the demo's gallery,
// GET /demo/dialog.
const DemoDialogRoute = `^/demo/dialog$`

var registerOnce sync.Once

// Register registers the components' routes with go-app. Both the wasm main
// and the server call it; calling it more than once is harmless. go-app's
// handler answers 404 for any path not registered here.
func Register() {
	registerOnce.Do(func() {
		goapp.RouteWithRegexp(ConsentRoute, func() goapp.Composer { return &ConsentPage{} })
		goapp.RouteWithRegexp(ManageRoute, func() goapp.Composer { return &ManagePage{} })
		goapp.RouteWithRegexp(ManageViewRoute, func() goapp.Composer { return &ManagePage{} })
		// The same dialog, embedded in a merchant's page by the drop-in.
		goapp.RouteWithRegexp(WidgetRoute, func() goapp.Composer { return &ConsentPage{} })
		// And with sample data, in the demo's gallery.
		goapp.RouteWithRegexp(DemoDialogRoute, func() goapp.Composer { return &ConsentPage{} })
		// Prerendered with a given view, by the server at start-up.
		goapp.RouteWithRegexp(TemplateRoute, func() goapp.Composer { return &ConsentPage{} })
	})
}
