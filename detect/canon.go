package detect

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/secaudit/auditkit/slogaudit"
)

// keyClass says how a key value is hashed and shown in derived events.
type keyClass uint8

const (
	// classID: an id the log writes as it is (user.id,
	// audit.target.user.id, request_id); hashed and shown as it is.
	classID keyClass = iota
	// classAddress: client.address or network.peer.address. An IPv6
	// address is keyed (and shown) by its prefix of Options.IPv6Prefix
	// bits, an IPv4-mapped one as the IPv4 address; any other value as it
	// is. The only class whose raw value a start event carries under its own
	// attribute.
	classAddress
	// className: a username. Hashed in its canonical form (see foldName),
	// shown as a pseudonym of that form.
	className
	// classOpaque: any other attribute of a generic rule; hashed as it is,
	// shown as a pseudonym.
	classOpaque
)

// classOf is the class of a generic rule's key attribute.
func classOf(attr string) keyClass {
	switch {
	case attr == slogaudit.KeyClientAddress || attr == slogaudit.KeyPeerAddress:
		return classAddress
	case attr == slogaudit.KeyUserName:
		return className
	case plainKey(attr):
		return classID
	}
	return classOpaque
}

// keyHash is the table key of value val of class c.
func (d *Detector) keyHash(val string, c keyClass) uint64 {
	switch c {
	case classAddress:
		if strings.IndexByte(val, ':') >= 0 {
			if a, err := netip.ParseAddr(val); err == nil {
				return d.addrHash(a)
			}
		}
	case className:
		return nameHash(d.seed, val)
	}
	return d.hash(val)
}

// addrHash keys IPv6 address a: an IPv4-mapped one as the IPv4 address
// would be, any other by its prefix of d.v6bits bits.
func (d *Detector) addrHash(a netip.Addr) uint64 {
	if a.Is4In6() {
		var buf [16]byte
		return maphash.Bytes(d.seed, a.Unmap().AppendTo(buf[:0]))
	}
	p, _ := a.WithZone("").Prefix(d.v6bits)
	b := p.Addr().As16()
	var buf [17]byte
	copy(buf[:], b[:])
	buf[16] = byte(d.v6bits) // a /64 and a /128 never share a key
	return maphash.Bytes(d.seed, buf[:])
}

// addrDisplay is how an episode shows address val: an IPv6 address as its
// prefix ("2001:db8:1:2::/64"; the address itself at /128), an IPv4-mapped
// one as the IPv4 address, anything else as it is.
func (d *Detector) addrDisplay(val string) string {
	a, err := netip.ParseAddr(val)
	switch {
	case err != nil || !strings.Contains(val, ":"):
		return clip(val, maxDisplayLen)
	case a.Is4In6():
		return a.Unmap().String()
	case d.v6bits == 128:
		return a.WithZone("").String()
	}
	p, _ := a.WithZone("").Prefix(d.v6bits)
	return p.String()
}

// nameHash is the hash under seed of username s in its canonical form: the
// variants of one name (Alice, ALICE, " alice", fullwidth ａｌｉｃｅ,
// alice with a zero-width space) are one key.
func nameHash(seed maphash.Seed, s string) uint64 {
	if canonicalASCII(s) {
		return maphash.String(seed, s)
	}
	var h maphash.Hash
	h.SetSeed(seed)
	foldName(&h, nil, s)
	return h.Sum64()
}

// canonicalName returns the canonical form of username s (see foldName).
func canonicalName(s string) string {
	if canonicalASCII(s) {
		return s
	}
	var b []byte
	foldName(nil, &b, s)
	return string(b)
}

// canonicalASCII reports whether s is its own canonical form for the common
// reason: printable ASCII without spaces or capitals (NFKC and case folding
// leave it as it is, and there is nothing to trim or drop).
func canonicalASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// foldName writes the canonical form of username s to h, or appends it to
// *dst when h is nil: spaces (and invisible characters) trimmed at both
// ends, NFKC (fullwidth and other compatibility forms become their plain
// letters), invisible characters dropped (Unicode format characters such as
// zero-width spaces and joiners, variation selectors, other default-
// ignorable code points such as the Hangul fillers), then simple case
// folding. It streams: a huge username is hashed without a copy.
func foldName(h *maphash.Hash, dst *[]byte, s string) {
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || invisible(r) })
	out := func(b []byte) {
		if h != nil {
			_, _ = h.Write(b)
		} else {
			*dst = append(*dst, b...)
		}
	}
	var buf [256]byte
	for len(s) > 0 {
		// A run of ASCII is its own NFKC and folds byte by byte, except
		// its last byte when a non-ASCII character follows: a combining
		// mark composes with it ("e" + U+0301 is "é"). No character
		// composes with the ASCII one after it.
		j := asciiLen(s)
		if j < len(s) && j > 0 {
			j--
		}
		for i := 0; i < j; {
			n := min(j-i, len(buf))
			lowerASCII(buf[:n], s[i:i+n])
			out(buf[:n])
			i += n
		}
		s = s[j:]
		// The rest up to the next ASCII byte after a non-ASCII character
		// goes through NFKC, then rune by rune.
		k := 0
		for k < len(s) && s[k] < utf8.RuneSelf {
			k++
		}
		for k < len(s) && s[k] >= utf8.RuneSelf {
			k++
		}
		var it norm.Iter
		it.InitString(norm.NFKC, s[:k])
		for !it.Done() {
			seg := it.Next()
			b := buf[:0]
			for len(seg) > 0 {
				r, n := utf8.DecodeRune(seg)
				seg = seg[n:]
				if !invisible(r) {
					b = utf8.AppendRune(b, unicode.ToLower(unicode.ToUpper(r)))
				}
			}
			out(b)
		}
		s = s[k:]
	}
}

// asciiLen is the length of the ASCII prefix of s, found eight bytes at a
// time.
func asciiLen(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if (uint64(s[i])|uint64(s[i+1])<<8|uint64(s[i+2])<<16|uint64(s[i+3])<<24|
			uint64(s[i+4])<<32|uint64(s[i+5])<<40|uint64(s[i+6])<<48|uint64(s[i+7])<<56)&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// lowerASCII copies ASCII src to dst (as long), lower-casing A to Z,
// eight bytes at a time.
func lowerASCII(dst []byte, src string) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(src); i += 8 {
		w := uint64(src[i]) | uint64(src[i+1])<<8 | uint64(src[i+2])<<16 | uint64(src[i+3])<<24 |
			uint64(src[i+4])<<32 | uint64(src[i+5])<<40 | uint64(src[i+6])<<48 | uint64(src[i+7])<<56
		// Every byte is below 0x80, so adding to it never carries into the
		// next: the high bit says c >= 'A', then c > 'Z'.
		upper := (w + (0x80-'A')*ones) &^ (w + (0x80-'Z'-1)*ones) & highs
		binary.LittleEndian.PutUint64(dst[i:], w|upper>>2)
	}
	for ; i < len(src); i++ {
		c := src[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
}

// invisible reports whether r prints as nothing: a format character (Cf:
// zero-width space, joiners, bidirectional marks, soft hyphen), a variation
// selector, or another default-ignorable code point.
func invisible(r rune) bool {
	return r >= 0xAD && (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r))
}
