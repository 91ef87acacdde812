// Package redact keeps secrets out of logs: it decides which keys and values
// are sensitive and replaces them before a handler writes anything.
//
// An audit log that leaks a password or a session token is itself a breach,
// so redaction is on by default: the slogaudit handler uses [Default] unless
// told otherwise. For the rest of the slog world a [Redactor] offers
//
//   - [Redactor.Middleware], a func(slog.Handler) slog.Handler for any
//     handler and for slogmulti.Pipe;
//   - [Redactor.ReplaceAttr], for slog.HandlerOptions of the standard
//     handlers;
//   - [Redactor.Value], a redacted deep copy of any Go value (httpaudit uses
//     it for captured request bodies and query values);
//   - [Secret], a string type that renders as [Marker] wherever it goes;
//   - [Pseudonym], a string type for a value that is already safe to log (a
//     keyed hash, such as httpaudit's session.id), which redaction passes
//     through unchanged.
//
// # Keys
//
// A key is compacted: lower-cased (Unicode-aware), then stripped of every
// character outside a-z and 0-9, so "API-Key", "api_key" and "apiKey" are all
// "apikey". A non-ASCII letter whose simple case folding reaches an ASCII
// letter counts as that letter (the long s 'ſ' is an s, the Kelvin sign a k),
// because encoding/json matches keys that way: it decodes "paſſword" into a
// Password field. The key is matched as a path: group names, the attribute
// key and nested map keys or struct field names, in order. Once a path is
// sensitive, everything under it is redacted, whatever its type. A struct
// field is sensitive when its JSON name or its Go name is, so a field
// Password tagged json:"p" is still a password (one rule, which Value,
// ReplaceAttr, the Middleware, the slogaudit handler and modelaudit share);
// an allowlist entry naming the written (JSON) name wins.
//
// A denylist entry longer than three characters matches as a substring of the
// compacted path, across group boundaries: "password1", "passwordConfirmation",
// "x_csrftoken" and "token_expiry" are sensitive, and so is the key "key" in
// the group "api" ("apikey").
//
// An entry of three characters or fewer (pw, pwd, jwt, ssn, otp, pin, cvv,
// cvc, dsn) must equal a whole segment of a key instead, because short strings
// occur by chance inside ordinary words: "ssn" is in "classname" and
// "business_name", and the seed system redacted both. So must "pass", the one
// longer entry with the same problem ("passport", "compass", "bypass"):
// "user_pass" and "DB_PASS" are sensitive, "passport" is not. The rule belongs
// to the entry, so "pass" in Options.SensitiveKeys behaves the same way.
// Segments are separated by any character that is not a letter or digit
// ("user_ssn", "user.ssn", "user-ssn", "user ssn", "user:ssn"), by a change
// from lower case or a digit to upper case ("userSSN", "step2OTP"), and before
// the last capital of an acronym that a word follows ("SSNLast4" is
// SSN|Last4, "PINCode" is PIN|Code). Trailing digits are ignored when
// comparing, so "cvv2" and "pin1" match. The price: a whole-segment entry
// glued to another word in lower case ("userpwd", "userpass") is not found;
// add the long form ("userpwd") to the denylist if your keys look like that.
// And a segment "pass" is redacted whatever it means ("pass_rate"); allowlist
// such keys.
//
// An allowlist entry is compared, after compaction, with the whole key (a
// dotted path, as given) and with its last dot-separated component; a match
// is never sensitive ("credit_card_last4" next to the "creditcard" entry), and no
// entry can match across it. It cannot undo a sensitive parent.
//
// [DefaultSensitiveKeys] lists the default denylist: the seed's fifteen
// entries (password, passwd, pwd, passcode, secret, token, apikey,
// authorization, bearer, jwt, cookie, sessionid, csrf, creditcard, ssn), then
// pass, pw, passphrase, credential, privatekey, privkey, clientsecret,
// secretkey, accesskey, refreshtoken, sessionkey, setcookie, xapikey, xsrf,
// signature, signingkey, encryptionkey, masterkey, hmackey, mnemonic,
// seedphrase, connectionstring, dsn, databaseurl, samlresponse,
// clientassertion, otp, totp, otpcode, mfacode, authcode, recoverycode, pin,
// cardnum, cvv, cvc and cvvcode. Deliberately absent: "key" and "auth" (they
// would hit "monkey", "keyboard" and "author"), "mfa" (an MFA method or
// status is an audit fact worth keeping; codes are caught by otp, totp and
// mfacode) and "pincode" (a postal code in India). Substring matching
// over-redacts some keys ("secretary", "token_expiry", "signature_valid",
// "password_policy", "client_assertion_type"): an allowlist fixes that where
// it matters, while the opposite mistake would leak.
//
// The library's own keys are not sensitive, except "session.id", which
// compacts to "sessionid". httpaudit logs its session id, a keyed hash, as a
// [Pseudonym], which redaction never masks, so it survives Value,
// ReplaceAttr, Middleware and the slogaudit handler alike; a session id that
// an application logs itself as a plain string is redacted.
//
// # Values
//
// Value rules find secrets by their shape under any key. The high-precision
// built-in detectors are on by default ([DefaultDetectors]): bearer and basic
// credentials, JWTs, PEM private keys, URLs with passwords, and AWS, GitHub,
// GitLab, Slack, Google and Stripe key formats, shapes that ordinary values
// practically never have. Card numbers (Luhn checked) are opt-in, because
// an order number or a long id passes the Luhn check one time in ten:
// [Options.Detectors] adds detectors to the defaults,
// [Options.ReplaceDefaultDetectors] makes it the whole list (empty: no
// detector), and [Options.ValuePatterns] adds RE2 expressions. A match
// replaces the whole string, never a part of it. The record message meets
// the value rules too (never the key rules: "password reset" is a fine
// message). Value rules apply to every string: error texts, the text of a
// fmt.Stringer or encoding.TextMarshaler (a *url.URL with a password),
// json.Number, and the raw bytes of a []byte; not to other numbers.
//
// They apply to map keys as well (a token used as a key, in a request body
// or a query string): a matching key is replaced like a value, after the key
// rules have seen the original, and when several keys of one map become
// Marker one entry stays (a key that was not masked, else the one with the
// smallest original key). A pattern that matches a key name masks the name,
// so write patterns for the shape of secrets. Attribute keys, group names and
// struct field names are the program's own and are not checked, so that value
// rules cost nothing per plain key: a program that makes keys out of data
// should log them as a map.
//
// Any other value is turned into plain data (strings, numbers, maps, lists)
// before a handler sees it, in the order the slogaudit handler resolves
// values: slog.LogValuer, time.Time and time.Duration, error,
// json.Marshaler, encoding.TextMarshaler, fmt.Stringer, then reflection. An
// error becomes its Error text, to which the value rules then apply; its
// fields, MarshalJSON and MarshalText are never
// used, because each can hold what the text leaves out, and the standard
// handlers would use them: slog.JSONHandler marshals an error's fields inside
// a list or a map and calls its MarshalJSON, slog.TextHandler its MarshalText.
// A json.Marshaler's output is decoded and walked, so the key rules apply
// inside it; a TextMarshaler or Stringer becomes its text. Methods are never
// called on nil pointers (the result is nil). A [Pseudonym] stays as it is.
// A method that fails writes the slogaudit handler's fixed placeholders,
// never the panic's or error's text (which can hold the very secret):
// "[PANIC]" for a panicking String, Error, MarshalJSON, MarshalText or
// LogValue, "[ERROR]" for a MarshalJSON or MarshalText that returns an
// error, "[INVALID JSON]" for MarshalJSON output that is not one JSON value;
// a map key whose MarshalText fails becomes "[PANIC]" or "[ERROR]" alike.
// (ReplaceAttr cannot do this for a panicking LogValue: slog resolves
// LogValuers before it calls ReplaceAttr, into its own error text.)
//
// # Replacement
//
// A sensitive string becomes [Marker], "[REDACTED]"; with [Options.HMACKey]
// it becomes "hmac-sha256:<hex>", the HMAC-SHA256 of the value, as HashiCorp
// Vault's audit log does, so that lines carrying the same secret can be
// correlated without revealing it, and [Redactor.Hash] finds the pseudonym of
// a value an investigator already knows. Use an HMAC key of at least 16
// random bytes and keep it secret: whoever holds it can find a low-entropy
// secret (a PIN) by trying every candidate. New accepts any length. Anything
// else under a sensitive key (numbers, maps, lists, structs, nil) becomes
// Marker, with no hint of its shape.
//
// # Extending
//
//	r, err := redact.New(redact.Options{
//		SensitiveKeys: []string{"iban", "tan"},      // added to the defaults
//		Allowlist:     []string{"credit_card_last4"}, // never redacted
//		Detectors:     []string{redact.DetectorCardNumber}, // added to DefaultDetectors
//		ValuePatterns: []string{`^acct-\d{6}$`},
//		HMACKey:       key,
//	})
//
// ReplaceDefaults makes SensitiveKeys the whole list, and
// ReplaceDefaultDetectors makes Detectors the whole list of detectors. [New]
// rejects an
// invalid pattern, a pattern that matches the empty string ("secret|", which
// would redact every value), an unknown detector and an entry with no letter
// or digit, so mistakes surface at start-up, not as a leak or an empty log.
//
// # Speed
//
// The default detectors share one pass over each string: it looks for the
// few bytes that every match must contain ("Bearer " ends in a space, a JWT
// contains "eyJ", an AWS key id starts with 'A', ...) and runs a detector
// only where its prefix may start, so a clean value costs about a nanosecond
// per eight bytes and a value shorter than six bytes nothing at all.
//
// Deciding whether a key is sensitive costs no regular expression and no
// allocation: the substring entries are compiled into an Aho–Corasick
// automaton over a-z0-9 whose state is carried from group to key, so a
// handler enters each group name once; whole-segment entries are compared as
// packed integers at segment ends. There is no cache, so attacker-chosen keys
// cannot grow memory. A typical key costs tens of nanoseconds; with no value
// rules, a value costs one comparison, and map keys are not scanned. HMAC
// pseudonyms reuse pooled HMAC states and append hex straight into the
// caller's buffer. (The benchmarks live with the engine, in the module's
// internal/redaction.)
//
// # Limits
//
// Compaction keeps only ASCII letters and digits, as the seed did: a key
// written only in another script, or in full-width letters, compacts to
// nothing and is never sensitive (encoding/json does not fold those to ASCII
// either). A secret encoded inside a []byte or a string (base64, hex, URL
// escapes) is not decoded, so value rules cannot see it; a []byte is written
// as the base64 of its bytes unless a value rule matches the raw bytes. Keys
// written with look-alike letters from other scripts (a Cyrillic 'а' in
// "pаssword") are not folded to ASCII and are not sensitive. A
// deep walk stops at 32 levels and 16384 values and at cycles; what lies
// beyond becomes Marker. Value rules do not look at attribute keys or group
// names (see Values). A [Secret] in an unexported struct field is printed in
// full by fmt and slog.TextHandler (see Secret); the Redactor's own walks skip
// such fields.
package redact
