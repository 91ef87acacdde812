package slogaudit

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/redact"
)

// A captured body's user name fields follow IncludeUsernames exactly like
// user.name: people type passwords into them.
func TestBodyUsernamesFollowIncludeUsernames(t *testing.T) {
	hmacR, err := redact.New(redact.Options{HMACKey: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "Al1ce-Sup3rSecret!"
	body := func() slog.Attr {
		return slog.Any(keyRequestBody, map[string]any{"Username": secret, "amount": 5})
	}
	flat := func() slog.Attr {
		return slog.Group("request", slog.Group("body", slog.String("email", secret), slog.Int("amount", 5)))
	}
	tests := []struct {
		name string
		opts Options
		attr func() slog.Attr
		want string // the attributes after schema_version
	}{
		{"dropped from the map", Options{}, body, `"request.body":{"amount":5}`},
		{"dropped when flattened", Options{}, flat, `"request.body.amount":5`},
		{"pseudonymised with an HMAC key", Options{Redactor: hmacR}, body,
			`"request.body":{"Username":"` + hmacR.Mask(secret) + `","amount":5}`},
		{"pseudonymised when flattened", Options{Redactor: hmacR}, flat,
			`"request.body.email":"` + hmacR.Mask(secret) + `","request.body.amount":5`},
		{"kept with IncludeUsernames", Options{IncludeUsernames: true}, body,
			`"request.body":{"Username":"` + secret + `","amount":5}`},
		{"nested objects and lists", Options{}, func() slog.Attr {
			return slog.Any(keyRequestBody, map[string]any{"account": map[string]any{"email": secret, "plan": "pro"},
				"accounts": []any{map[string]any{"username": secret}}, "amount": 5})
		}, `"request.body":{"account":{"plan":"pro"},"accounts":[{}],"amount":5}`},
		{"user.name alike: dropped under a group too", Options{},
			func() slog.Attr { return slog.Group("app", body()) }, `"app.request.body":{"amount":5}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf lineBuffer
			h := NewHandler(&buf, withClock(&tt.opts))
			if err := h.Handle(context.Background(), record(slog.LevelInfo, "m", tt.attr())); err != nil {
				t.Fatal(err)
			}
			want := `"attributes":{"schema_version":"1.0",` + tt.want + `}`
			if !strings.Contains(buf.String(), want) {
				t.Errorf("got  %s\nwant %s", buf.String(), want)
			}
		})
	}
	// The caller's map is not modified.
	m := map[string]any{"login": secret}
	var buf lineBuffer
	_ = NewHandler(&buf, withClock(nil)).Handle(context.Background(), record(slog.LevelInfo, "m", slog.Any(keyRequestBody, m)))
	if m["login"] != secret || strings.Contains(buf.String(), secret) {
		t.Errorf("map %v, line %s", m, buf.String())
	}
}
