package redact_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"github.com/secaudit/auditkit/redact"
)

// noTime drops the time attribute so that the examples' output is stable.
func noTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// Middleware works in front of any handler, here the standard JSON handler.
// It sees group names and With attributes, so keys are matched as full paths.
func ExampleRedactor_Middleware() {
	h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})
	logger := slog.New(redact.Default().Middleware()(h))

	logger.With("session_id", "s-123").Info("login",
		"user", "alice",
		"password", "hunter2",
		slog.Group("db", "host", "db1", "password", "pw"),
		"body", map[string]any{"card_number": "4111111111111111", "amount": 12})
	logger.WithGroup("api").Info("call", "key", "k-42", "path", "/v1/x")
	// Output:
	// {"level":"INFO","msg":"login","session_id":"[REDACTED]","user":"alice","password":"[REDACTED]","db":{"host":"db1","password":"[REDACTED]"},"body":{"amount":12,"card_number":"[REDACTED]"}}
	// {"level":"INFO","msg":"call","api":{"key":"[REDACTED]","path":"/v1/x"}}
}

// ReplaceAttr plugs into slog.HandlerOptions of the standard handlers.
func ExampleRedactor_ReplaceAttr() {
	r := redact.Default()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			return noTime(groups, r.ReplaceAttr(groups, a))
		},
	}))
	logger.Info("request", "X-Api-Key", "k-42", "user_ssn", "078-05-1120", "classname", "Admin")
	// Output:
	// level=INFO msg=request X-Api-Key=[REDACTED] user_ssn=[REDACTED] classname=Admin
}

// A Secret keeps its value usable in code but never shows it: not through
// slog, fmt or encoding/json.
func ExampleSecret() {
	pw := redact.Secret("hunter2")
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))
	logger.Info("connect", "dsn_password", pw, "note", pw)
	fmt.Printf("%v %s %q %#v\n", pw, pw, pw, pw)
	b, _ := json.Marshal(map[string]any{"pw": pw})
	fmt.Println(string(b), len(string(pw)))
	// Output:
	// {"level":"INFO","msg":"connect","dsn_password":"[REDACTED]","note":"[REDACTED]"}
	// [REDACTED] [REDACTED] "[REDACTED]" [REDACTED]
	// {"pw":"[REDACTED]"} 7
}

// With an HMAC key, redacted strings become pseudonyms: equal secrets give
// equal pseudonyms, so an investigator can correlate lines, and Hash
// computes the pseudonym of a value they already know.
func ExampleNew_hmac() {
	r, err := redact.New(redact.Options{HMACKey: []byte("salt-1")})
	if err != nil {
		panic(err)
	}
	logger := slog.New(r.Middleware()(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))
	logger.Info("vault", "secret", "my-secret-vault", "pin", 1234)
	fmt.Println(r.Hash("my-secret-vault"))
	// Output:
	// {"level":"INFO","msg":"vault","secret":"hmac-sha256:4b9036618c22654f1edadd316544c13166c2bb72152eb14ef458f015970d6ea5","pin":"[REDACTED]"}
	// hmac-sha256:4b9036618c22654f1edadd316544c13166c2bb72152eb14ef458f015970d6ea5
}

// Detectors and value patterns find secrets by their shape, under any key,
// and replace the whole string. The high-precision detectors (bearer, AWS
// keys, ...) are on by default; card numbers and patterns are added here.
func ExampleNew_detectors() {
	r, err := redact.New(redact.Options{
		Detectors:     []string{redact.DetectorCardNumber}, // added to redact.DefaultDetectors()
		ValuePatterns: []string{`^acct-\d{6}$`},
		Allowlist:     []string{"token_expiry"},
	})
	if err != nil {
		panic(err)
	}
	logger := slog.New(r.Middleware()(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))
	logger.Info("upstream said Authorization: Bearer abc.def.ghi123",
		"note", "card 4111 1111 1111 1111 declined",
		"order", "1234 5678 9012 3456", // fails the Luhn check
		"cfg", "AKIAIOSFODNN7EXAMPLE",
		"account", "acct-123456",
		"token_expiry", "2026-12-01")

	_, err = redact.New(redact.Options{Detectors: []string{"pgp"}})
	fmt.Println(err != nil)
	// Output:
	// {"level":"INFO","msg":"[REDACTED]","note":"[REDACTED]","order":"1234 5678 9012 3456","cfg":"[REDACTED]","account":"[REDACTED]","token_expiry":"2026-12-01"}
	// true
}

// Value redacts a decoded JSON body (or any Go value) before it is logged.
func ExampleRedactor_Value() {
	var body any
	_ = json.Unmarshal([]byte(`{"user":"alice","password":"pw","profile":{"api_key":"k","ssn":"1","classname":"x"}}`), &body)
	b, _ := json.Marshal(redact.Default().Value("request.body", body))
	fmt.Println(string(b))
	// Output:
	// {"password":"[REDACTED]","profile":{"api_key":"[REDACTED]","classname":"x","ssn":"[REDACTED]"},"user":"alice"}
}

func ExampleRedactor_IsSensitiveKey() {
	r := redact.Default()
	for _, k := range []string{"passwordConfirmation", "userSSN", "cvv2", "token_expiry",
		"author", "classname", "business_name", "ping"} {
		fmt.Println(k, r.IsSensitiveKey(k))
	}
	// Output:
	// passwordConfirmation true
	// userSSN true
	// cvv2 true
	// token_expiry true
	// author false
	// classname false
	// business_name false
	// ping false
}

// A Pseudonym is already safe to log: httpaudit's session.id, a keyed hash of
// the session cookie, keeps its value through any redacting adapter, while a
// plain string under the same key is redacted.
func ExamplePseudonym() {
	h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})
	logger := slog.New(redact.Default().Middleware()(h))

	logger.Info("request", "session.id", redact.Pseudonym("9f86d081884c7d659a2feaa0c55ad015"))
	logger.Info("request", "session.id", "raw-cookie-value")
	// Output:
	// {"level":"INFO","msg":"request","session.id":"9f86d081884c7d659a2feaa0c55ad015"}
	// {"level":"INFO","msg":"request","session.id":"[REDACTED]"}
}

// An error is logged as its text, never through its fields or marshalers,
// which may hold what the text leaves out.
func ExampleRedactor_Middleware_errors() {
	h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})
	logger := slog.New(redact.Default().Middleware()(h))

	err := &connError{Host: "db1", Password: "hunter2"}
	logger.Error("query failed", "errs", []error{err})
	// Output:
	// {"level":"ERROR","msg":"query failed","errs":["connect to db1 failed"]}
}

type connError struct{ Host, Password string }

func (e *connError) Error() string { return "connect to " + e.Host + " failed" }

// The default Redactor finds secrets by their shape in every string value,
// under any key: a bearer token in an error text, a password in a *url.URL
// (logged as its String), an AWS key id. Card numbers are opt-in, and
// ordinary values pass.
func ExampleDefault() {
	logger := slog.New(redact.Default().Middleware()(
		slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))
	dsn, _ := url.Parse("postgres://app:S3cret@db.internal/prod")
	logger.Error("upstream call failed",
		"err", errors.New("401 from billing: Authorization: Bearer eyJhbGciOi.abc.def rejected"),
		"db", dsn,
		"cfg", "AKIAIOSFODNN7EXAMPLE",
		"order", "4111 1111 1111 1111",
		"path", "/api/v1/accounts/42/transfer")
	fmt.Println(redact.DefaultDetectors())
	// Output:
	// {"level":"ERROR","msg":"upstream call failed","err":"[REDACTED]","db":"[REDACTED]","cfg":"[REDACTED]","order":"4111 1111 1111 1111","path":"/api/v1/accounts/42/transfer"}
	// [aws-access-key-id basic bearer github-token gitlab-token google-api-key jwt private-key slack-token stripe-key url-credentials]
}
