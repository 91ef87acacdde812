package detect_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/slogaudit"
)

// Example puts the detector in front of the audit handler: the fifth failed
// login for one account within ten minutes (fail2ban's default) becomes a
// detect.login_fail_account event in the same stream, and Close writes the
// episode's summary.
func Example() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	d, err := detect.New(&detect.Options{Now: clock, SweepInterval: -1})
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	h := slogaudit.NewHandler(&out, &slogaudit.Options{ServiceName: "shop", Now: clock})
	logger := slog.New(d.Middleware()(h))

	for i := range 5 {
		ctx := slogaudit.ContextWithAttrs(context.Background(),
			slog.String(slogaudit.KeyRequestID, fmt.Sprintf("req-%d", i)),
			slog.String(slogaudit.KeyClientAddress, fmt.Sprintf("198.51.100.%d", i)))
		authaudit.New(logger).LoginFailed(ctx, "maya", authaudit.ReasonBadPassword)
		now = now.Add(time.Minute)
	}
	if err := d.Close(); err != nil {
		panic(err)
	}

	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var line struct {
			Severity string         `json:"severity_text"`
			Attrs    map[string]any `json:"attributes"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			panic(err)
		}
		a := line.Attrs
		fmt.Println(line.Severity, a["event_type"], a["owasp.event"], a["detect.phase"], a["detect.count"], a["detect.request_ids"], a["user.name"])
	}
	// Output:
	// WARN auth.login.failed authn_login_fail <nil> <nil> <nil> <nil>
	// WARN auth.login.failed authn_login_fail <nil> <nil> <nil> <nil>
	// WARN auth.login.failed authn_login_fail <nil> <nil> <nil> <nil>
	// WARN auth.login.failed authn_login_fail <nil> <nil> <nil> <nil>
	// WARN auth.login.failed authn_login_fail <nil> <nil> <nil> <nil>
	// WARN detect.login_fail_account authn_login_fail_max start 5 [req-1 req-2 req-3 req-4] <nil>
	// WARN detect.login_fail_account authn_login_fail_max end 5 [req-1 req-2 req-3 req-4] <nil>
}
