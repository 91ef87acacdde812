package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

//go:embed all:templates
var templates embed.FS

const (
	composeFile   = "docker-compose.yml"
	dashboardFile = "grafana/dashboards/auditkit-overview.json"
	// fleetRulesFile holds the vmalert rules of the fleet detection.
	fleetRulesFile = "victorialogs/detect-rules.yml"
)

// images pins every container image, so the stack a user generates today
// is the stack they get next year.
var images = struct{ Loki, Alloy, Grafana, VictoriaLogs, Vector string }{
	Loki:         "grafana/loki:3.7.1",
	Alloy:        "grafana/alloy:v1.13.0",
	Grafana:      "grafana/grafana:12.3.1",
	VictoriaLogs: "victoriametrics/victoria-logs:v1.52.1",
	Vector:       "timberio/vector:0.56.0-debian",
}

// file is one generated file; path is slash-separated and relative to DIR.
type file struct {
	path string
	data []byte
	mode fs.FileMode
}

// templateData is what the templates see. User values are plain strings: a
// template must pass each through the quoting function of its format.
type templateData struct {
	AppLabel          string
	Environment       string
	AuditLogPath      string
	AuditLogDir       string // the directory the stacks mount at logMount
	AuditLogDirFromVL string
	AuditLogName      string
	LogMount          string
	AlloyLogGlob      string // logMount/name as a local.file_match pattern
	VectorLogGlob     string // logMount/name as a Vector include pattern
	GrafanaUser       string
	GrafanaPassword   string
	ContainerRegexp   string
	Images            any
	LokiQueries       []query
	LogsQLQueries     []query
	FleetRules        []fleetRule
	OneUser           string
	OneRequest        string
	ErrorEvents       string
	LogsQLErrors      string
	VerifyCurlArg     string
}

var funcs = template.FuncMap{
	"yaml":    yamlQuote,
	"compose": composeQuote,
	"alloy":   alloyQuote,
	"gostr":   strconv.Quote,
	// A Prometheus (and LogsQL) duration: 10s, 2m.
	"promDuration": promDuration,
	// Vector interpolates $VAR and ${VAR} in its configuration as Compose
	// does, with "$$" for a literal '$'.
	"vector": composeQuote,
}

// render returns every file of the stack, sorted by path.
func render(c *config) ([]file, error) {
	app := logqlQuote(c.appLabel)
	logDir, logName := splitLogPath(c.auditLogPath)
	d := templateData{
		AppLabel:          c.appLabel,
		Environment:       c.environment,
		AuditLogPath:      c.auditLogPath,
		AuditLogDir:       logDir,
		AuditLogDirFromVL: fromSubdir(logDir),
		AuditLogName:      logName,
		LogMount:          logMount,
		AlloyLogGlob:      logMount + "/" + alloyGlob(logName),
		VectorLogGlob:     logMount + "/" + vectorGlob(logName),
		GrafanaUser:       c.grafanaUser,
		GrafanaPassword:   c.grafanaPassword,
		// Docker reports container names with a leading slash.
		ContainerRegexp: "/" + regexp.QuoteMeta(c.appLabel) + ".*",
		Images:          images,
		LokiQueries:     lokiQueries(c.appLabel, "1h", "5m"),
		LogsQLQueries:   logsQLQueries(c.appLabel, "1h", "5m"),
		FleetRules:      fleetRules(c.appLabel),
		OneUser:         `{service_name=` + app + `} | json user_id="attributes[\"user.id\"]" | user_id = "42"`,
		OneRequest:      `{service_name=` + app + `} | json request_id="attributes[\"request_id\"]" | request_id = "8bdc1a77fb744594ad67a59004a4a42b"`,
		ErrorEvents:     `{service_name=` + app + `, severity=~"ERROR|CRITICAL"}`,
		LogsQLErrors:    fmt.Sprintf(`_time:1h {resource.service.name=%s} severity_text:in("ERROR", "CRITICAL")`, logsqlQuote(c.appLabel)),
		VerifyCurlArg:   shQuote(`query=count_over_time({service_name=` + app + `}[5m])`),
	}

	partials, err := template.New("").Funcs(funcs).Option("missingkey=error").
		ParseFS(templates, "templates/_partials/*.tmpl")
	if err != nil {
		return nil, err
	}
	var files []file
	err = fs.WalkDir(templates, "templates", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if e.Name() == "_partials" {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".tmpl") {
			return nil
		}
		src, err := fs.ReadFile(templates, p)
		if err != nil {
			return err
		}
		t, err := partials.Clone()
		if err != nil {
			return err
		}
		if t, err = t.New(p).Parse(string(src)); err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return err
		}
		out := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".tmpl")
		mode := fs.FileMode(0o644) // read by the containers' own users
		if out == composeFile {
			mode = 0o600 // holds the Grafana admin password
		}
		files = append(files, file{path: out, data: b.Bytes(), mode: mode})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rendering templates: %w", err)
	}

	dash, err := dashboard(c.dashboardTitle, lokiQueries(c.appLabel, "$__range", "$__interval"))
	if err != nil {
		return nil, fmt.Errorf("rendering the dashboard: %w", err)
	}
	files = append(files, file{path: dashboardFile, data: dash, mode: 0o644})
	slices.SortFunc(files, func(a, b file) int { return strings.Compare(a.path, b.path) })
	return files, nil
}

// shQuote returns s as one POSIX shell word.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// dashboard returns the Grafana dashboard JSON: the embedded skeleton with the
// title and one panel per query, encoded by encoding/json.
func dashboard(title string, qs []query) ([]byte, error) {
	skel, err := fs.ReadFile(templates, "templates/_partials/dashboard.json")
	if err != nil {
		return nil, err
	}
	var d map[string]any
	if err := json.Unmarshal(skel, &d); err != nil {
		return nil, err
	}
	d["title"] = title

	ds := map[string]any{"type": "loki", "uid": "loki"}
	panels := make([]any, 0, len(qs))
	x, y, rowH := 0, 0, 0
	for i, q := range qs {
		w, h := panelSize(q.Panel)
		if x+w > 24 {
			x, y, rowH = 0, y+rowH, 0
		}
		target := map[string]any{
			"refId":      "A",
			"datasource": ds,
			"expr":       q.Expr,
			"queryType":  "range",
		}
		if q.Instant {
			target["queryType"] = "instant"
		}
		if q.Legend != "" {
			target["legendFormat"] = q.Legend
		}
		p := map[string]any{
			"id":          i + 1,
			"type":        q.Panel,
			"title":       q.Title,
			"description": q.Desc,
			"datasource":  ds,
			"gridPos":     map[string]int{"x": x, "y": y, "w": w, "h": h},
			"targets":     []any{target},
			"fieldConfig": map[string]any{"defaults": map[string]any{}, "overrides": []any{}},
			"options":     panelOptions(q.Panel),
		}
		if q.Panel == "table" {
			p["transformations"] = []any{map[string]any{
				"id":      "organize",
				"options": map[string]any{"excludeByName": map[string]bool{"Time": true}},
			}}
		}
		panels = append(panels, p)
		x += w
		rowH = max(rowH, h)
	}
	d["panels"] = panels

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func panelSize(kind string) (w, h int) {
	switch kind {
	case "stat":
		return 6, 4
	case "table":
		return 6, 8
	case "logs":
		return 24, 10
	default:
		return 12, 8
	}
}

func panelOptions(kind string) map[string]any {
	switch kind {
	case "stat":
		return map[string]any{
			"reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false},
			"colorMode":     "value",
			"graphMode":     "none",
			"textMode":      "value",
		}
	case "logs":
		return map[string]any{"showTime": true, "sortOrder": "Descending", "wrapLogMessage": true, "enableLogDetails": true}
	case "timeseries":
		return map[string]any{"legend": map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": true}}
	default:
		return map[string]any{"showHeader": true}
	}
}
