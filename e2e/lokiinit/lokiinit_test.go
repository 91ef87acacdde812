package lokiinit

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secaudit/auditkit/detect"

	"github.com/secaudit/auditkit/slogaudit"
	"go.yaml.in/yaml/v3"
)

// bin is the auditkit-loki-init binary built by TestMain.
var bin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lokiinit-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "auditkit-loki-init")
	goBin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintf(os.Stderr, "building auditkit-loki-init needs the go command: %v\n", err)
		return 1
	}
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/secaudit/auditkit/cmd/auditkit-loki-init")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building auditkit-loki-init: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// values are the command-line values of one run.
type values struct {
	app, env, path, user, pass, title string
}

func (v values) args(dir string) []string {
	return []string{
		"-app-label", v.app, "-environment", v.env, "-audit-log-path", v.path,
		"-grafana-admin-user", v.user, "-grafana-admin-password", v.pass,
		"-dashboard-title", v.title, dir,
	}
}

var defaults = values{"auditkit", "demo", "../logs/audit.jsonl", "admin", "pw", "Auditkit Security Audit"}

// hostile breaks YAML, Compose, JSON and shell files written without escaping.
var hostile = []string{
	`it's "quoted"`,
	"key: value",
	"# not a comment",
	"line one\nline two\r\n",
	"{{ .AppLabel }} {{end}}",
	`back\slash \\ \n \x41 \u0041`,
	"ünïcødé ✓ 日本語 🔒",
	"$HOME ${PATH} $$ $$$ ${X:-default} $__range [[var]]",
	"tab\there",
	"\u2028sep\u2029par\u0085nel\ufeffbom\u00a0nbsp",
	"- item",
	"---",
	"]}[{,",
	"`backtick` 'single'",
	"&anchor *alias !tag @at %s |> ?",
	"\x01\x1b[31mred\x7f",
	" leading and trailing ",
	"true",
	"0x1F",
	"~",
	"null",
	"... \n--- \n",
}

// generate runs the command into a fresh directory and parses every YAML file
// it wrote (by slash path relative to the directory).
func generate(t testing.TB, v values) map[string]map[string]any {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, v.args(dir)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("auditkit-loki-init %q: %v\n%s", v.args(dir), err, stderr.String())
	}
	docs := map[string]map[string]any{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		docs[rel] = parseYAML(t, rel, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"docker-compose.yml", "loki/local-config.yml",
		"grafana/provisioning/datasources/loki.yml", "grafana/provisioning/dashboards/dashboards.yml",
		"victorialogs/docker-compose.yml", "victorialogs/vector.yaml", "victorialogs/detect-rules.yml",
	} {
		if docs[want] == nil {
			t.Fatalf("%s was not generated (have %v)", want, keys(docs))
		}
	}
	if len(docs) != 7 {
		t.Errorf("YAML files: %v, want 7", keys(docs))
	}
	return docs
}

// parseYAML decodes exactly one YAML document, a mapping (yaml.v3 rejects
// duplicate keys, which would silently shadow a setting).
func parseYAML(t testing.TB, name string, b []byte) map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s does not parse: %v\n%s", name, err, b)
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		t.Fatalf("%s holds more than one YAML document", name)
	}
	if doc == nil {
		t.Fatalf("%s is empty", name)
	}
	return doc
}

func keys[V any](m map[string]V) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	return k
}

// get walks a parsed YAML document: string keys for mappings, ints for lists.
func get(t testing.TB, doc any, path ...any) any {
	t.Helper()
	cur := doc
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%v: not a mapping at %v", path, path[:i])
			}
			if cur, ok = m[k]; !ok {
				t.Fatalf("%v: no key %q", path, k)
			}
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no element %d", path, k)
			}
			cur = l[k]
		}
	}
	return cur
}

func str(t testing.TB, doc any, path ...any) string {
	t.Helper()
	s, ok := get(t, doc, path...).(string)
	if !ok {
		t.Fatalf("%v is %T, want a string", path, get(t, doc, path...))
	}
	return s
}

// composeValue undoes Compose's interpolation escape: "$$" is a literal '$'.
func composeValue(s string) string { return strings.ReplaceAll(s, "$$", "$") }

// bindSource returns the source of the bind mount of service svc at target.
func bindSource(t testing.TB, compose any, svc, target string) string {
	t.Helper()
	vols, _ := get(t, compose, "services", svc, "volumes").([]any)
	for _, v := range vols {
		m, ok := v.(map[string]any)
		if ok && m["target"] == target {
			if m["type"] != "bind" || m["read_only"] != true {
				t.Errorf("%s %s: want a read-only bind mount, got %v", svc, target, m)
			}
			return str(t, m, "source")
		}
	}
	t.Fatalf("service %s has no mount at %s", svc, target)
	return ""
}

func fromSubdir(p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") {
		return p
	}
	if p == "." {
		return ".."
	}
	return "../" + p
}

// logMount is where both stacks mount the audit log's directory.
const logMount = "/var/log/auditkit"

// splitLogPath is the audit log's directory and file name as the stacks
// must see them: path.Split's, with the directory's trailing slash dropped
// ("." for a bare name, "/" for the root). Written independently of the
// command's own splitting, so that the two check each other.
func splitLogPath(p string) (dir, name string) {
	dir, name = path.Split(p)
	switch dir {
	case "":
		return ".", name
	case "/":
		return dir, name
	}
	return strings.TrimSuffix(dir, "/"), name
}

// usableLogPath reports whether the command accepts p as -audit-log-path:
// it must name a file in a directory other than DIR itself.
func usableLogPath(p string) bool {
	dir, name := splitLogPath(p)
	if name == "" || name == "." || name == ".." {
		return false
	}
	return strings.HasPrefix(dir, "/") || strings.HasPrefix(dir, "~") || path.Clean(dir) != "."
}

// globCrateMatch reports whether name matches pattern in the syntax of the
// Rust glob crate, which Vector's file source uses: '?' is one character,
// '*' any run, "[...]" a class ("[!...]" negated, a ']' right after the
// opening bracket belongs to the class, a-z ranges); there is no escape
// character and '{' is literal.
func globCrateMatch(pattern, name string) bool {
	p, n := []rune(pattern), []rune(name)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch p[i] {
			case '*':
				for k := j; k <= len(n); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case '?':
				if j == len(n) {
					return false
				}
				i, j = i+1, j+1
			case '[':
				end := i + 2
				if end < len(p) && p[i+1] == '!' {
					end++
				}
				for end < len(p) && p[end] != ']' {
					end++
				}
				if end >= len(p) {
					return false // the crate refuses the pattern
				}
				if j == len(n) {
					return false
				}
				class, negate := p[i+1:end], false
				if class[0] == '!' && len(class) > 1 {
					class, negate = class[1:], true
				}
				in := false
				for k := 0; k < len(class); k++ {
					if k+2 < len(class) && class[k+1] == '-' {
						in = in || (class[k] <= n[j] && n[j] <= class[k+2])
						k += 2
						continue
					}
					in = in || class[k] == n[j]
				}
				if in == negate {
					return false
				}
				i, j = end+1, j+1
			default:
				if j == len(n) || p[i] != n[j] {
					return false
				}
				i, j = i+1, j+1
			}
		}
		return j == len(n)
	}
	return match(0, 0)
}

// checkRoundTrip asserts that every value given on the command line comes
// back exactly from the YAML parser.
func checkRoundTrip(t testing.TB, v values, docs map[string]map[string]any) {
	t.Helper()
	compose := docs["docker-compose.yml"]
	eq := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	eq("GF_SECURITY_ADMIN_USER", composeValue(str(t, compose, "services", "grafana", "environment", "GF_SECURITY_ADMIN_USER")), v.user)
	eq("GF_SECURITY_ADMIN_PASSWORD", composeValue(str(t, compose, "services", "grafana", "environment", "GF_SECURITY_ADMIN_PASSWORD")), v.pass)
	dir, name := splitLogPath(v.path)
	eq("alloy audit log directory mount", composeValue(bindSource(t, compose, "alloy", logMount)), dir)

	vl := docs["victorialogs/docker-compose.yml"]
	eq("AUDITKIT_ENVIRONMENT", composeValue(str(t, vl, "services", "vector", "environment", "AUDITKIT_ENVIRONMENT")), v.env)
	eq("vector audit log directory mount", composeValue(bindSource(t, vl, "vector", logMount)), fromSubdir(dir))

	// Vector reads the file, and only the file, inside the mounted directory
	// (its configuration interpolates "$" as Compose does).
	include := composeValue(str(t, docs["victorialogs/vector.yaml"], "sources", "audit_file", "include", 0))
	if !globCrateMatch(include, logMount+"/"+name) {
		t.Errorf("vector include %q does not match the audit file %q in %s", include, name, logMount)
	}
	for _, other := range []string{name + ".ckpt", name + ".lock", name + "-20260101", "x" + name} {
		if globCrateMatch(include, logMount+"/"+other) {
			t.Errorf("vector include %q also matches %q", include, other)
		}
	}

	// vmalert's fleet rules: one vlogs group per detect rule, each expr
	// selecting the service's stream (VictoriaLogs parses them in
	// e2e/victorialogs).
	groups, _ := get(t, docs["victorialogs/detect-rules.yml"], "groups").([]any)
	if want := len(detect.DefaultThresholds()); len(groups) != want {
		t.Errorf("detect-rules.yml: %d groups, want one per built-in detect rule (%d)", len(groups), want)
	}
	for i := range groups {
		eq("detect-rules.yml group type", str(t, docs["victorialogs/detect-rules.yml"], "groups", i, "type"), "vlogs")
		expr := str(t, docs["victorialogs/detect-rules.yml"], "groups", i, "rules", 0, "expr")
		if !strings.Contains(expr, " {resource.service.name="+strconv.Quote(v.app)+"} ") {
			t.Errorf("detect-rules.yml: expr %q does not select service %q", expr, v.app)
		}
	}
}

func TestGlobCrateMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"a*c", "abbc", true}, {"a*c", "ab", false}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"[*]", "*", true}, {"[*]", "x", false}, {"[[]", "[", true}, {"[]]", "]", true},
		{"[!a]", "b", true}, {"[!a]", "a", false}, {"[a-c]", "b", true}, {"{a}", "{a}", true},
		{`a\b`, `a\b`, true}, {"x]", "x]", true},
	} {
		if got := globCrateMatch(c.pattern, c.name); got != c.want {
			t.Errorf("globCrateMatch(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

func TestDefaultsParseAndRoundTrip(t *testing.T) {
	docs := generate(t, defaults)
	checkRoundTrip(t, defaults, docs)
}

func TestHostileValuesRoundTrip(t *testing.T) {
	n := len(hostile)
	for i := range hostile {
		// Each flag gets a different hostile value, so a mix-up shows.
		// The log path: a hostile directory (the bind source) and a hostile
		// file name (the agents' glob patterns).
		logPath := hostile[(i+2)%n] + "/" + hostile[(i+6)%n]
		v := values{hostile[i], hostile[(i+1)%n], logPath, hostile[(i+3)%n], hostile[(i+4)%n], hostile[(i+5)%n]}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkRoundTrip(t, v, generate(t, v))
		})
	}
}

func FuzzValuesRoundTrip(f *testing.F) {
	for i, h := range hostile {
		f.Add(h, hostile[(i+1)%len(hostile)], hostile[(i+2)%len(hostile)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, s := range []string{a, b, c} {
			// The command refuses these with exit code 2 (tested in its package).
			if s == "" || !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
				t.Skip()
			}
		}
		v := values{app: a, env: b, path: c + "/" + a, user: b, pass: a, title: c}
		if !usableLogPath(v.path) {
			t.Skip() // refused with exit code 2 (tested in the command's package)
		}
		checkRoundTrip(t, v, generate(t, v))
	})
}

// TestComposeIsLocalOnly checks both Compose files: every published port is
// bound to 127.0.0.1, no service uses the host network or privileges, images
// are pinned, and only the opt-in profile mounts the Docker socket.
func TestComposeIsLocalOnly(t *testing.T) {
	docs := generate(t, values{"app", "env", "/abs/audit.jsonl", "u", "p", "t"})
	for _, name := range []string{"docker-compose.yml", "victorialogs/docker-compose.yml"} {
		services, ok := docs[name]["services"].(map[string]any)
		if !ok || len(services) == 0 {
			t.Fatalf("%s: no services", name)
		}
		published := 0
		for svcName, s := range services {
			svc := s.(map[string]any)
			where := name + " " + svcName
			for _, forbidden := range []string{"network_mode", "privileged", "cap_add", "pid", "ipc", "expose"} {
				if _, ok := svc[forbidden]; ok {
					t.Errorf("%s sets %s", where, forbidden)
				}
			}
			image := str(t, svc, "image")
			if i := strings.LastIndex(image, ":"); i < 0 || image[i+1:] == "latest" || strings.Contains(image[i+1:], "/") {
				t.Errorf("%s: image %q is not pinned to a version", where, image)
			}
			ports, _ := svc["ports"].([]any)
			for _, p := range ports {
				published++
				switch p := p.(type) {
				case string:
					parts := strings.Split(p, ":")
					if len(parts) != 3 || parts[0] != "127.0.0.1" {
						t.Errorf("%s: port %q is not bound to 127.0.0.1", where, p)
					}
				case map[string]any:
					if p["host_ip"] != "127.0.0.1" {
						t.Errorf("%s: port %v is not bound to 127.0.0.1", where, p)
					}
				default:
					t.Errorf("%s: port %v (%T) is not bound to 127.0.0.1", where, p, p)
				}
			}
			vols, _ := svc["volumes"].([]any)
			for _, vol := range vols {
				if m, ok := vol.(map[string]any); ok && m["source"] == "/var/run/docker.sock" {
					if profiles, _ := svc["profiles"].([]any); len(profiles) == 0 {
						t.Errorf("%s mounts the Docker socket without an opt-in profile", where)
					}
					if m["read_only"] != true {
						t.Errorf("%s mounts the Docker socket writable", where)
					}
				}
			}
		}
		if published == 0 {
			t.Errorf("%s publishes no port", name)
		}
	}
}

// TestFilesAgree checks what one file promises another: mounts, data source
// uid, and the VictoriaLogs ingest URL naming fields auditkit writes.
func TestFilesAgree(t *testing.T) {
	docs := generate(t, defaults)
	compose := docs["docker-compose.yml"]

	if got := str(t, compose, "services", "alloy", "volumes", 0, "source"); got != "./alloy/config.alloy" {
		t.Errorf("alloy config mount = %q", got)
	}
	if got := str(t, compose, "services", "alloy-docker", "volumes", 0, "source"); got != "./alloy/config.stdout.alloy" {
		t.Errorf("alloy-docker config mount = %q", got)
	}
	ds := docs["grafana/provisioning/datasources/loki.yml"]
	if str(t, ds, "datasources", 0, "uid") != "loki" || str(t, ds, "datasources", 0, "url") != "http://loki:3100" {
		t.Errorf("data source: %v", get(t, ds, "datasources", 0))
	}
	dashPath := str(t, docs["grafana/provisioning/dashboards/dashboards.yml"], "providers", 0, "options", "path")
	found := false
	for _, v := range get(t, compose, "services", "grafana", "volumes").([]any) {
		m := v.(map[string]any)
		if m["target"] == dashPath && m["source"] == "./grafana/dashboards" {
			found = true
		}
	}
	if !found {
		t.Errorf("no grafana mount of ./grafana/dashboards at the provider path %q", dashPath)
	}

	loki := docs["loki/local-config.yml"]
	if get(t, loki, "auth_enabled") != false {
		t.Error("loki: auth_enabled must be false for the single-tenant local stack")
	}
	if str(t, loki, "schema_config", "configs", 0, "schema") != "v13" || str(t, loki, "schema_config", "configs", 0, "store") != "tsdb" {
		t.Errorf("loki schema: %v", get(t, loki, "schema_config"))
	}

	vector := docs["victorialogs/vector.yaml"]
	if got := str(t, vector, "sources", "audit_file", "include", 0); got != logMount+"/audit.jsonl" {
		t.Errorf("vector reads %q, not the audit log in the mounted directory", got)
	}
	sink := get(t, vector, "sinks", "victorialogs")
	u, err := url.Parse(str(t, sink, "uri"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "victorialogs:9428" || u.Path != "/insert/jsonline" {
		t.Errorf("vector sink %s: want victorialogs:9428/insert/jsonline", u)
	}
	q := u.Query()
	if q.Get("_time_field") != slogaudit.KeyTimestamp || q.Get("_msg_field") != slogaudit.KeyBody {
		t.Errorf("vector sink fields: %v", q)
	}
	for _, f := range strings.Split(q.Get("_stream_fields"), ",") {
		if f != slogaudit.KeyResource+"."+slogaudit.KeyServiceName && f != "environment" {
			t.Errorf("stream field %q: only low-cardinality fields may be stream fields", f)
		}
	}
	if ct := str(t, sink, "request", "headers", "Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q: VictoriaLogs stores nothing without a JSON one", ct)
	}
}
