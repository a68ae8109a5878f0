package main

import "testing"

// TestCheckWebhookHost: in production, registration refuses webhook URLs
// naming localhost, a special-purpose address in any of its forms
// (webhook.GlobalUnicast), or an IPv4 address written the old ways; names
// and public addresses pass. The sandbox takes them all. Nothing is
// resolved or dialed.
func TestCheckWebhookHost(t *testing.T) {
	for _, c := range []struct {
		url    string
		public bool
	}{
		{"https://hooks.shop.example/h", true},
		{"https://hooks.shop.example./h", true},
		{"https://8.8.8.8/h", true},
		{"https://1.1.1.1:8443/h", true},
		{"https://[2606:4700:4700::1111]/h", true},
		{"https://[::ffff:8.8.8.8]/h", true},
		{"https://[64:ff9b::808:808]/h", true},
		{"https://[2002:808:808::1]/h", true},
		{"https://api.1password.com/h", true},

		{"http://127.0.0.1:9000/h", false},
		{"https://localhost/h", false},
		{"https://LOCALHOST./h", false},
		{"https://hooks.localhost/h", false},
		{"http://10.1.2.3/h", false},
		{"http://[::1]/h", false},
		{"http://169.254.169.254/latest", false},
		{"http://100.100.100.200/latest/meta-data", false},
		{"http://100.64.0.1/h", false},
		{"http://198.18.0.1/h", false},
		{"http://192.0.0.170/h", false},
		{"http://240.0.0.1/h", false},
		{"http://255.255.255.255/h", false},
		{"http://0.0.0.0/h", false},
		{"http://224.0.0.1/h", false},
		{"http://192.0.2.1/h", false},
		{"http://[::ffff:127.0.0.1]/h", false},
		{"http://[::ffff:a9fe:a9fe]/h", false},
		{"http://[::127.0.0.1]/h", false},
		{"http://[64:ff9b::a9fe:a9fe]/h", false},
		{"http://[64:ff9b::6464:64c8]/h", false},
		{"http://[64:ff9b:1::a00:1]/h", false},
		{"http://[2002:a00:1::1]/h", false},
		{"http://[2002:6464:64c8::]/h", false},
		{"http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/h", false},
		{"http://[fd00::1]/h", false},
		{"http://[fe80::1%25eth0]/h", false},
		{"http://[ff02::1]/h", false},
		{"http://2130706433/h", false},
		{"http://0x7f000001/h", false},
		{"http://127.1/h", false},
		{"http://0177.0.0.1/h", false},
	} {
		err := checkWebhookHost("production", c.url)
		if (err == nil) != c.public {
			t.Errorf("production, %s: %v, want public=%v", c.url, err, c.public)
		}
		if err := checkWebhookHost("sandbox", c.url); err != nil {
			t.Errorf("sandbox, %s: %v", c.url, err)
		}
	}
}
