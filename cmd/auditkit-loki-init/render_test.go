package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/modelaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// What an auditkit line can hold (DESIGN.md "The envelope"), from the key
// constants the handler and authaudit write, and the event types the
// packages emit. A query naming anything else would count nothing.
var (
	envelopeKeys = set(
		slogaudit.KeyTimestamp, slogaudit.KeyObservedTimestamp, slogaudit.KeySeverityText,
		slogaudit.KeySeverityNumber, slogaudit.KeyBody, slogaudit.KeyResource,
		slogaudit.KeyInstrumentationScope, slogaudit.KeyAttributes, slogaudit.KeyEventName,
		slogaudit.KeyTraceID, slogaudit.KeySpanID, slogaudit.KeyTraceFlags,
	)
	resourceKeys  = set(slogaudit.KeyServiceName, slogaudit.KeyServiceVersion)
	attributeKeys = set(
		slogaudit.KeyEventType, slogaudit.KeySchemaVersion, slogaudit.KeyRequestID,
		slogaudit.KeySessionID, slogaudit.KeyClientAddress, slogaudit.KeyPeerAddress,
		slogaudit.KeyUserID, slogaudit.KeyUserName, httpaudit.KeyHTTPMethod,
		httpaudit.KeyHTTPStatusCode, httpaudit.KeyHTTPRoute, httpaudit.KeyHTTPResponseBodySize,
		httpaudit.KeyURLPath, httpaudit.KeyURLScheme, httpaudit.KeyURLQuery,
		httpaudit.KeyServerAddress, httpaudit.KeyUserAgent, httpaudit.KeyErrorType,
		slogaudit.KeyOutcome, httpaudit.KeyDurationNS, httpaudit.KeyRequestBody,
		httpaudit.KeyRequestBodyParseStatus, modelaudit.KeyChangedFields,
		slogaudit.KeyDroppedAttributes, slogaudit.KeyOriginalEventType,
		authaudit.KeyOWASPEvent, authaudit.KeyReason, authaudit.KeyRetries, authaudit.KeyLimit,
		authaudit.KeyTokenID, authaudit.KeyEntitlements, authaudit.KeyResource, authaudit.KeyTargetUserID,
		authaudit.KeyChangeFrom, authaudit.KeyChangeTo, authaudit.KeyAction, authaudit.KeyInputFields,
	)
	// Event types, from the packages that emit them.
	emittedEvents = set(
		httpaudit.EventSuccess, httpaudit.EventRedirect, httpaudit.EventClientError, httpaudit.EventServerError,
		authaudit.EventLoginSuccess, authaudit.EventLoginSuccessAfterFail, authaudit.EventLoginFailed,
		authaudit.EventLoginFailLimitReached, authaudit.EventLoginLocked, authaudit.EventLogoutSuccess,
		authaudit.EventLogoutUnknown, authaudit.EventPasswordChanged, authaudit.EventPasswordChangeFailed,
		authaudit.EventTokenCreated, authaudit.EventTokenRevoked, authaudit.EventTokenReused,
		authaudit.EventAccessDenied, authaudit.EventPrivilegeChanged, authaudit.EventAdminAction,
		authaudit.EventSessionCreated, authaudit.EventSessionRenewed, authaudit.EventSessionExpired,
		authaudit.EventSessionUseAfterExpire, authaudit.EventRateLimitExceeded, authaudit.EventInputValidationFailed,
		modelaudit.EventCreate, modelaudit.EventUpdate, modelaudit.EventDelete, modelaudit.EventAccess,
		slogaudit.EventMalformedRecord,
	)
	// severity_text values: slog's level strings and LevelCritical's.
	severities = set("DEBUG", "INFO", "WARN", "ERROR", "CRITICAL")
	// The Loki labels Alloy promotes, and nothing else.
	lokiLabels = set("service_name", "environment", "severity", "event_type")
)

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// checkJSONPath checks a field path into the line: an envelope key, then a
// resource or attribute key.
func checkJSONPath(t *testing.T, where string, path []string) {
	t.Helper()
	require.NotEmpty(t, path, where)
	require.True(t, envelopeKeys[path[0]], "%s: %q is not an envelope key", where, path[0])
	switch path[0] {
	case slogaudit.KeyAttributes:
		require.Len(t, path, 2, where)
		assert.True(t, attributeKeys[path[1]], "%s: attribute %q is never emitted", where, path[1])
	case slogaudit.KeyResource:
		require.Len(t, path, 2, where)
		assert.True(t, resourceKeys[path[1]], "%s: resource key %q is never emitted", where, path[1])
	default:
		assert.Len(t, path, 1, where)
	}
}

const quoted = `"(?:[^"\\]|\\.)*"`

var (
	reMatcher   = regexp.MustCompile(`^\s*(\w+)\s*(=~|!~|!=|=)\s*(` + quoted + `)\s*$`)
	reJSONStage = regexp.MustCompile(`\| json ((?:\w+=` + quoted + `(?:, )?)+)`)
	reJSONParam = regexp.MustCompile(`(\w+)=(` + quoted + `)`)
	reJSONExpr  = regexp.MustCompile(`^(\w+)(?:\["([^"]+)"\])?$`)
	reLabelCmp  = regexp.MustCompile(`\| (\w+) (?:!=|=) ` + quoted)
	reBy        = regexp.MustCompile(`by \(([^)]*)\)`)
	reLegend    = regexp.MustCompile(`\{\{(\w+)\}\}`)
)

// checkLogQL checks every field a LogQL query names: stream selectors use
// only the promoted labels and known values, and `| json` reads only emitted
// keys. It returns the decoded service_name of every selector.
func checkLogQL(t *testing.T, where, expr string) (services []string) {
	t.Helper()
	known := maps(lokiLabels)
	for _, st := range reJSONStage.FindAllStringSubmatch(expr, -1) {
		for _, p := range reJSONParam.FindAllStringSubmatch(st[1], -1) {
			path, err := strconv.Unquote(p[2])
			require.NoError(t, err, where)
			m := reJSONExpr.FindStringSubmatch(path)
			require.NotNil(t, m, "%s: JSON expression %q: want field or field[\"key\"] with double quotes", where, path)
			checkJSONPath(t, where, slices.DeleteFunc([]string{m[1], m[2]}, func(s string) bool { return s == "" }))
			known[p[1]] = true
		}
	}
	sels := selectors(expr)
	require.NotEmpty(t, sels, "%s: no stream selector in %s", where, expr)
	for _, sel := range sels {
		for _, m := range splitMatchers(t, sel) {
			mm := reMatcher.FindStringSubmatch(m)
			require.NotNil(t, mm, "%s: matcher %q", where, m)
			label, op := mm[1], mm[2]
			val, err := strconv.Unquote(mm[3])
			require.NoError(t, err, where)
			require.True(t, lokiLabels[label], "%s: %q is not a promoted label", where, label)
			var vals []string
			if op == "=~" {
				vals = strings.Split(val, "|")
				for i, v := range vals {
					vals[i] = regexp.MustCompile(`\\(.)`).ReplaceAllString(v, "$1")
					assert.Equal(t, regexp.QuoteMeta(vals[i]), v, "%s: %q must be a literal", where, v)
				}
			} else {
				require.Equal(t, "=", op, where)
				vals = []string{val}
			}
			for _, v := range vals {
				switch label {
				case "event_type":
					assert.True(t, emittedEvents[v], "%s: event type %q is never emitted", where, v)
				case "severity":
					assert.True(t, severities[v], "%s: severity %q is never written", where, v)
				case "service_name":
					services = append(services, v)
				}
			}
		}
	}
	for _, m := range reLabelCmp.FindAllStringSubmatch(expr, -1) {
		assert.True(t, known[m[1]], "%s: filter on unknown label %q", where, m[1])
	}
	for _, m := range reBy.FindAllStringSubmatch(expr, -1) {
		for _, l := range strings.Split(m[1], ",") {
			assert.True(t, known[strings.TrimSpace(l)], "%s: grouping by unknown label %q", where, l)
		}
	}
	return services
}

// selectors returns the bodies of the stream selectors {...} of a LogQL
// query, skipping braces inside quoted strings.
func selectors(expr string) []string {
	var out []string
	start := -1
	for i := 0; i < len(expr); i++ {
		switch expr[i] {
		case '"':
			for i++; i < len(expr) && expr[i] != '"'; i++ {
				if expr[i] == '\\' {
					i++
				}
			}
		case '{':
			start = i + 1
		case '}':
			if start >= 0 {
				out = append(out, expr[start:i])
				start = -1
			}
		}
	}
	return out
}

func maps(m map[string]bool) map[string]bool {
	c := make(map[string]bool, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// splitMatchers splits a selector body at the commas between matchers.
func splitMatchers(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for body = strings.TrimSpace(body); body != ""; {
		m := regexp.MustCompile(`^\s*\w+\s*(?:=~|!~|!=|=)\s*` + quoted).FindString(body)
		require.NotEmpty(t, m, "matcher at %q", body)
		out = append(out, m)
		body = strings.TrimPrefix(strings.TrimSpace(body[len(m):]), ",")
	}
	return out
}

var (
	reLogsQLField  = regexp.MustCompile(`(?:^|[\s(,{])((?:attributes|resource)\.[A-Za-z0-9_.]+|severity_text|body)\b`)
	reLogsQLStream = regexp.MustCompile(`\{resource\.service\.name=(` + quoted + `)\}`)
	reLogsQLEvent  = regexp.MustCompile(`attributes\.event_type:(?:=(` + quoted + `)|in\(([^)]*)\))`)
	reLogsQLSev    = regexp.MustCompile(`severity_text:in\(([^)]*)\)`)
)

// checkLogsQL checks the fields and values a LogsQL query names and returns
// the decoded resource.service.name of its stream filter.
func checkLogsQL(t *testing.T, where, expr string) string {
	t.Helper()
	for _, m := range reLogsQLField.FindAllStringSubmatch(expr, -1) {
		f := m[1]
		switch {
		case strings.HasPrefix(f, "attributes."):
			checkJSONPath(t, where, []string{"attributes", strings.TrimPrefix(f, "attributes.")})
		case strings.HasPrefix(f, "resource."):
			checkJSONPath(t, where, []string{"resource", strings.TrimPrefix(f, "resource.")})
		default:
			checkJSONPath(t, where, []string{f})
		}
	}
	for _, m := range reLogsQLEvent.FindAllStringSubmatch(expr, -1) {
		for _, v := range unquoteList(t, m[1]+m[2]) {
			assert.True(t, emittedEvents[v], "%s: event type %q is never emitted", where, v)
		}
	}
	for _, m := range reLogsQLSev.FindAllStringSubmatch(expr, -1) {
		for _, v := range unquoteList(t, m[1]) {
			assert.True(t, severities[v], "%s: severity %q", where, v)
		}
	}
	m := reLogsQLStream.FindStringSubmatch(expr)
	require.NotNil(t, m, "%s: no stream filter in %s", where, expr)
	app, err := strconv.Unquote(m[1])
	require.NoError(t, err)
	return app
}

func unquoteList(t *testing.T, list string) []string {
	t.Helper()
	var out []string
	for _, q := range regexp.MustCompile(quoted).FindAllString(list, -1) {
		v, err := strconv.Unquote(q)
		require.NoError(t, err)
		out = append(out, v)
	}
	require.NotEmpty(t, out, list)
	return out
}

var reCodeBlock = regexp.MustCompile("(?s)```(logql|logsql)\n(.*?)\n```")

// checkStack generates the stack with the given values and checks every
// file that has no YAML in it (the e2e module parses the YAML files).
func checkStack(t *testing.T, app, env, title, user, pass string) {
	t.Helper()
	dir := t.TempDir()
	r := runCmd(t, "-app-label", app, "-environment", env, "-dashboard-title", title,
		"-grafana-admin-user", user, "-grafana-admin-password", pass, "-audit-log-path", "/var/log/"+app, dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	files := readAll(t, dir)
	require.Len(t, files, len(generatedFiles))

	// The dashboard: valid JSON, the title exact, every query checked.
	var dash struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
		Panels []struct {
			ID      int    `json:"id"`
			Type    string `json:"type"`
			Title   string `json:"title"`
			GridPos struct{ X, Y, W, H int }
			Targets []struct {
				Expr         string `json:"expr"`
				LegendFormat string `json:"legendFormat"`
				Datasource   struct{ UID string }
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal([]byte(files[dashboardFile]), &dash))
	assert.Equal(t, title, dash.Title)
	assert.Equal(t, "auditkit-overview", dash.UID)
	var panelTitles []string
	for _, p := range dash.Panels {
		panelTitles = append(panelTitles, p.Title)
		require.Len(t, p.Targets, 1, p.Title)
		tg := p.Targets[0]
		assert.Equal(t, "loki", tg.Datasource.UID)
		assert.LessOrEqual(t, p.GridPos.X+p.GridPos.W, 24, p.Title)
		for _, svc := range checkLogQL(t, "dashboard "+p.Title, tg.Expr) {
			assert.Equal(t, app, svc, p.Title)
		}
		assert.NotContains(t, strings.ReplaceAll(strings.ReplaceAll(tg.Expr, "$__range", ""), "$__interval", ""), "$",
			"%s: only Grafana's own variables may be expanded", p.Title)
		for _, m := range reLegend.FindAllStringSubmatch(tg.LegendFormat, -1) {
			assert.Contains(t, tg.Expr, m[1], "%s: legend names a label the query does not produce", p.Title)
		}
	}
	for _, want := range []string{"Audit events", "Events by type", "Auth failures", "HTTP 4xx / 5xx",
		"HTTP status codes", "Top client addresses", "Lock-outs", "Authorization denials", "Security events"} {
		assert.Contains(t, panelTitles, want)
	}

	// queries.md: the same panels, every recipe checked.
	lokiBlocks := reCodeBlock.FindAllStringSubmatch(files["loki/queries.md"], -1)
	require.GreaterOrEqual(t, len(lokiBlocks), len(dash.Panels))
	for _, b := range lokiBlocks {
		require.Equal(t, "logql", b[1])
		require.NotContains(t, b[2], "\n", "one query per block")
		for _, svc := range checkLogQL(t, "loki/queries.md", b[2]) {
			assert.Equal(t, app, svc)
		}
	}
	vlBlocks := reCodeBlock.FindAllStringSubmatch(files["victorialogs/queries.md"], -1)
	require.GreaterOrEqual(t, len(vlBlocks), len(dash.Panels))
	for _, b := range vlBlocks {
		require.Equal(t, "logsql", b[1])
		require.NotContains(t, b[2], "\n")
		assert.Equal(t, app, checkLogsQL(t, "victorialogs/queries.md", b[2]))
	}

	// Alloy: both pipelines promote the four labels from emitted fields, and
	// the environment and container regexp round-trip.
	for _, name := range []string{"alloy/config.alloy", "alloy/config.stdout.alloy"} {
		checkAlloy(t, name, files[name], env)
	}
	re := alloyAttr(t, files["alloy/config.stdout.alloy"], "regex")
	rx := regexp.MustCompile("^(?:" + re + ")$")
	assert.True(t, rx.MatchString("/"+app+"-web-1"), "container regexp %q", re)
	assert.False(t, rx.MatchString("/x"+app), "container regexp %q", re)

	// Shell words in the docs decode to the LogQL they show.
	for _, name := range []string{"README.md", "loki/queries.md"} {
		m := regexp.MustCompile(`--data-urlencode ('(?:[^']|'\\'')*')\n`).FindStringSubmatch(files[name])
		require.NotNil(t, m, name)
		word := strings.ReplaceAll(m[1][1:len(m[1])-1], `'\''`, `'`)
		q, ok := strings.CutPrefix(word, "query=")
		require.True(t, ok, name)
		for _, svc := range checkLogQL(t, name, q) {
			assert.Equal(t, app, svc)
		}
	}
	m := regexp.MustCompile(`ServiceName: (` + quoted + `)`).FindStringSubmatch(files["README.md"])
	require.NotNil(t, m)
	got, err := strconv.Unquote(m[1])
	require.NoError(t, err)
	assert.Equal(t, app, got, "the Go snippet in README.md")

	// No user value reaches a file raw, except where its format needs no
	// escaping at all: look for the values that need it.
	for name, body := range files {
		for _, v := range []string{app, env, title, user, pass} {
			// Every format here must escape these (or spell them as \uXXXX).
			if strings.ContainsAny(v, "\"\\\n") && len(v) > 3 {
				assert.NotContains(t, body, v, "%s holds a raw value", name)
			}
		}
	}
}

func checkAlloy(t *testing.T, name, body, env string) {
	t.Helper()
	exprs := regexp.MustCompile(`(?s)stage\.json \{\s*expressions = \{(.*?)\}`).FindStringSubmatch(body)
	require.NotNil(t, exprs, name)
	extracted := map[string]bool{}
	for _, m := range regexp.MustCompile(`(\w+)\s*=\s*(`+quoted+`)`).FindAllStringSubmatch(exprs[1], -1) {
		jp, err := strconv.Unquote(m[2])
		require.NoError(t, err)
		// JMESPath: dotted identifiers, "quoted" ones for keys with dots.
		var path []string
		for _, p := range regexp.MustCompile(`"[^"]*"|[^.]+`).FindAllString(jp, -1) {
			path = append(path, strings.Trim(p, `"`))
		}
		checkJSONPath(t, name+" stage.json "+m[1], path)
		extracted[m[1]] = true
	}
	labels := regexp.MustCompile(`(?s)stage\.labels \{\s*values = \{(.*?)\}`).FindStringSubmatch(body)
	require.NotNil(t, labels, name)
	promoted := set("environment")
	for _, m := range regexp.MustCompile(`(\w+)\s*=`).FindAllStringSubmatch(labels[1], -1) {
		assert.True(t, extracted[m[1]], "%s: label %s is not extracted", name, m[1])
		promoted[m[1]] = true
	}
	assert.Equal(t, lokiLabels, promoted, "%s promotes exactly the four low-cardinality labels", name)
	assert.Equal(t, env, alloyAttr(t, body, "environment"), name)
}

// alloyAttr returns the decoded string attribute name of an Alloy file.
func alloyAttr(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + name + `\s*=\s*(` + quoted + `)`).FindStringSubmatch(body)
	require.NotNil(t, m, "attribute %s", name)
	v, err := strconv.Unquote(m[1]) // Alloy's string escapes are Go's
	require.NoError(t, err)
	return v
}

func TestDefaultStack(t *testing.T) {
	checkStack(t, "auditkit", "demo", "Auditkit Security Audit", "admin", "pw")
}

func TestHostileValuesCannotBreakFiles(t *testing.T) {
	for i, v := range hostile {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			// Each flag gets a different hostile value, so a mix-up shows.
			n := len(hostile)
			checkStack(t, v, hostile[(i+1)%n], hostile[(i+2)%n], hostile[(i+3)%n], hostile[(i+4)%n])
		})
	}
}

func TestQueriesMatchAcrossBackends(t *testing.T) {
	lq := lokiQueries("a", "1h", "5m")
	vq := logsQLQueries("a", "1h", "5m")
	require.Len(t, vq, len(lq))
	for i := range lq {
		assert.Equal(t, lq[i].Title, vq[i].Title, "LogsQL recipe %d covers the same panel", i)
	}
}

// update rewrites the golden files, as in every package of this module:
// go test -run Golden -update.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestDashboardGolden(t *testing.T) {
	got, err := dashboard("Auditkit Security Audit", lokiQueries("auditkit", "$__range", "$__interval"))
	require.NoError(t, err)
	golden := filepath.Join("testdata", "auditkit-overview.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -run DashboardGolden -update to create it")
	assert.Equal(t, string(want), string(got))
}
