package redaction

// rulesOf is the accessor package redact installs (see Install).
var rulesOf func(redactor any) *Rules

// Install sets the accessor Of uses. Package redact calls it once, from its
// init, with a function that returns the Rules a *redact.Redactor holds; any
// package that can name a Redactor imports redact, so the accessor is set
// before anyone can call Of.
func Install(of func(redactor any) *Rules) { rulesOf = of }

// Of returns the Rules of redactor, which must be a non-nil
// *redact.Redactor. Call it once when a handler or middleware is built, not
// per record: it is an indirect call and a type assertion.
func Of(redactor any) *Rules { return rulesOf(redactor) }
