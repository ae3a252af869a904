package driver

import "strings"

const redactedMask = "xxxxx"

// secretKeys are the DSN keys whose values Redact masks.
var secretKeys = map[string]bool{"password": true, "sslpassword": true}

// Redact returns dsn with every password masked: the password of a URL's
// userinfo and the values of password and sslpassword keys, in URL and
// keyword/value form alike. A DSN too malformed to find its passwords with
// certainty is replaced as a whole.
func Redact(dsn string) string {
	if !isURL(dsn) {
		settings, err := splitKeywordValue(dsn)
		if err != nil {
			return "(unparsable DSN)"
		}
		return maskSettings(dsn, settings, "'"+redactedMask+"'")
	}
	scheme, rest, _ := strings.Cut(dsn, "://")
	userinfo := ""
	if at := strings.IndexAny(rest, "@/"); at >= 0 && rest[at] == '@' {
		userinfo, rest = rest[:at+1], rest[at+1:]
		if user, _, ok := strings.Cut(userinfo, ":"); ok {
			userinfo = user + ":" + redactedMask + "@"
		}
	} else if ambiguousHost(rest) {
		// An unencoded '/' in a password hides the userinfo; do not guess
		// where the password ends.
		return "(unparsable DSN)"
	}
	out := scheme + "://" + userinfo + rest
	settings, err := splitURLQuery(out)
	if err != nil {
		return "(unparsable DSN)"
	}
	return maskSettings(out, settings, redactedMask)
}

// maskSettings replaces the values of secret keys in dsn.
func maskSettings(dsn string, settings []dsnSetting, mask string) string {
	var b strings.Builder
	last := 0
	for _, s := range settings {
		if !secretKeys[s.key] {
			continue
		}
		eq := strings.IndexByte(dsn[s.start:s.end], '=')
		b.WriteString(dsn[last : s.start+eq+1])
		b.WriteString(mask)
		last = s.end
	}
	b.WriteString(dsn[last:])
	return b.String()
}

// ambiguousHost reports whether the part of a URL after "scheme://" looks like
// a userinfo whose password holds a '/': an '@' before the query, or a
// non-numeric port.
func ambiguousHost(rest string) bool {
	beforeQuery, _, _ := strings.Cut(rest, "?")
	if strings.Contains(beforeQuery, "@") {
		return true
	}
	hosts, _, _ := strings.Cut(beforeQuery, "/")
	for h := range strings.SplitSeq(hosts, ",") {
		if strings.HasPrefix(h, "[") {
			_, h, _ = strings.Cut(h, "]")
		}
		if _, port, ok := strings.Cut(h, ":"); ok && strings.Trim(port, "0123456789") != "" {
			return true
		}
	}
	return false
}
