package authaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// The whole set-up is slog.SetDefault with the slogaudit handler; then a
// failed login is one call. The attempted username is not in the line: the
// handler drops user.name unless Options.IncludeUsernames is set.
func Example() {
	var out bytes.Buffer
	defer slog.SetDefault(slog.Default()) // restore for the other examples
	slog.SetDefault(slog.New(slogaudit.NewHandler(&out, &slogaudit.Options{ServiceName: "billing"})))

	authaudit.LoginFailed(context.Background(), "maya", authaudit.ReasonBadPassword)

	var line struct {
		SeverityText string         `json:"severity_text"`
		Severity     int            `json:"severity_number"`
		EventName    string         `json:"event_name"`
		Attributes   map[string]any `json:"attributes"`
	}
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		panic(err)
	}
	fmt.Println(line.SeverityText, line.Severity, line.EventName)
	fmt.Println(line.Attributes)
	// Output:
	// WARN 13 auth.login.failed
	// map[audit.reason:bad_password event_type:auth.login.failed outcome:failure owasp.event:authn_login_fail schema_version:1.0]
}

// New binds any *slog.Logger; here slog's own JSON handler, with the time
// removed for a stable output and OWASP's CRITICAL level named.
func ExampleNew() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch {
			case a.Key == slog.TimeKey && len(groups) == 0:
				return slog.Attr{}
			case a.Key == slog.LevelKey && a.Value.Any() == slogaudit.LevelCritical:
				return slog.String(slog.LevelKey, "CRITICAL")
			}
			return a
		},
	}))
	audit := authaudit.New(logger)

	audit.AccessDenied(context.Background(), "42", "/admin/users")
	// Output:
	// {"level":"CRITICAL","msg":"authz.access.denied","event_type":"authz.access.denied","owasp.event":"authz_fail","otel.scope.name":"github.com/secaudit/auditkit/authaudit","outcome":"failure","user.id":"42","audit.resource":"/admin/users"}
}

// LoginSucceeded also makes the user the acting user of the request scope,
// so every later event of the request (httpaudit's response event included)
// says who.
func ExampleLoginSucceeded() {
	ctx := slogaudit.ContextWithAttrs(context.Background()) // httpaudit does this per request
	audit := authaudit.New(slog.New(slog.DiscardHandler))

	audit.LoginSucceeded(ctx, "42")

	u, _ := slogaudit.UserFromContext(ctx)
	fmt.Println(u.ID)
	// Output: 42
}

// Tokens are identified by an id, never by their value. The id's key
// contains "token", so the default redactor hides it; with an HMAC key it
// becomes a pseudonym, hex(HMAC-SHA256(key, id)), that still matches a
// revocation with a later reuse.
func ExampleTokenReused() {
	r, err := redact.New(redact.Options{HMACKey: []byte("example key")})
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	audit := authaudit.New(slog.New(slogaudit.NewHandler(&out, &slogaudit.Options{Redactor: r})))
	ctx := context.Background()

	audit.TokenRevoked(ctx, "42", "jti-8c1f")
	audit.TokenReused(ctx, "42", "jti-8c1f")

	dec := json.NewDecoder(&out)
	for dec.More() {
		var line struct {
			SeverityText string         `json:"severity_text"`
			Attributes   map[string]any `json:"attributes"`
		}
		if err := dec.Decode(&line); err != nil {
			panic(err)
		}
		fmt.Println(line.SeverityText, line.Attributes["event_type"], line.Attributes["audit.token.id"])
	}
	// Output:
	// INFO auth.token.revoked hmac-sha256:632183db27d8a7fca4e99c550bea50dfd1a650ae859f467968013015487f3190
	// CRITICAL auth.token.reused hmac-sha256:632183db27d8a7fca4e99c550bea50dfd1a650ae859f467968013015487f3190
}
