package slogaudit

import (
	"math"
	"runtime/debug"
	"sync"

	"github.com/secaudit/auditkit/internal/redaction"
	"github.com/secaudit/auditkit/redact"
)

// The resource (service.name, service.version, Options.Resource) and the
// module version that versions the helper packages' scopes, encoded once
// per handler.

// defaultServiceName is resource service.name when Options.ServiceName is
// empty, as the OpenTelemetry SDKs do.
const defaultServiceName = "unknown_service"

// modulePath is this module's path. A scope name under it (the helper
// packages' otel.scope.name) is versioned with the module's version.
const modulePath = "github.com/secaudit/auditkit"

// moduleVersion is the version of this module in the running binary's build
// information, or "" when unknown (tests, development builds).
var moduleVersion = sync.OnceValue(func() string {
	const mod = modulePath
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := ""
	if bi.Main.Path == mod {
		v = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == mod {
			v = d.Version
		}
	}
	if v == "(devel)" {
		v = ""
	}
	return v
})

// encodeResource encodes the resource once: service.name, service.version,
// then Options.Resource flattened. Resource values are configuration, so they
// are neither redacted nor subject to MaxAttrs, but no key appears twice.
func (c *config) encodeResource(o Options) {
	b := append([]byte(nil), `,"`+KeyResource+`":{`...)
	if es := c.resourceEntries(o, FormatJSONL); len(es) > 0 {
		b = append(b, es[1:]...) // drop the leading comma
	}
	b = append(b, `},"`+KeyInstrumentationScope+`":`...)
	c.resource = b
	if c.otlp {
		c.initOTLP(c.resourceEntries(o, FormatOTLPJSON))
	}
}

// resourceEntries returns the resource's attribute entries in format f.
func (c *config) resourceEntries(o Options, f Format) []byte {
	name := o.ServiceName
	if name == "" {
		name = defaultServiceName
	}
	c.fallbackService = name
	if len(c.fallbackService) > 256 {
		c.fallbackService, _ = truncRunes(c.fallbackService, 256)
	}
	// Resource values are configuration: not redacted, and not cut by the
	// limits meant for record data (only bounded, against cycles).
	rc := &config{
		root:    &groupNode{},
		rules:   redaction.Of(redact.None()),
		onError: c.onError,
		limits: Limits{MaxDepth: maxGroupDepth, MaxMapEntries: math.MaxInt, MaxListLen: math.MaxInt,
			MaxStringLen: math.MaxInt, MaxAttrs: math.MaxInt, MaxRecordBytes: math.MaxInt},
	}
	rc.setFormat(f)
	st := newState(rc)
	defer st.free()
	st.noRedact, st.library = true, true
	st.appendLibraryKey(KeyServiceName)
	st.startEntry(false)
	st.appendStr(name)
	st.commit(false)
	if o.ServiceVersion != "" {
		st.appendLibraryKey(KeyServiceVersion)
		st.startEntry(false)
		st.appendStr(o.ServiceVersion)
		st.commit(false)
	}
	for _, a := range o.Resource {
		k := a.Key
		if (k == KeyServiceName) || (k == KeyServiceVersion && o.ServiceVersion != "") {
			// The dedicated fields win over a copy in Resource; an empty
			// ServiceName still yields to Resource's service.name below.
			if k == KeyServiceName && o.ServiceName == "" {
				st.appendAttr(a, rc.root)
			}
			continue
		}
		st.appendAttr(a, rc.root)
	}
	return append([]byte(nil), st.buf...)
}
