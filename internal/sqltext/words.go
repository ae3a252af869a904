package sqltext

import "strings"

// eachWord walks s as the server's lexer does, past string literals,
// dollar quotes and comments, and calls match with each word outside
// them: a keyword or identifier as written, a quoted identifier without
// its quotes (quoted true), and ";" for a semicolon; end is the index
// after it. It stops at the first word match accepts, reporting true;
// unterminated text ends the walk with an error.
func eachWord(s string, match func(word string, quoted bool, end int) bool) (bool, error) {
	for i := 0; i < len(s); {
		c := s[i]
		end := i + 1
		var err error
		switch {
		case c == '\'':
			escapes := i > 0 && (s[i-1] == 'e' || s[i-1] == 'E') && (i < 2 || !isIdentChar(s[i-2]))
			end, err = skipString(s, i, escapes)
		case c == '"':
			end, err = skipTo(s, i+1, `"`, "quoted identifier")
			if err == nil && match(s[i+1:end-1], true, end) {
				return true, nil
			}
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			end = len(s)
			if nl := strings.IndexByte(s[i:], '\n'); nl >= 0 {
				end = i + nl + 1
			}
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end, err = skipBlockComment(s, i)
		case c == '$' && (i == 0 || !isIdentChar(s[i-1])):
			end, err = skipDollarQuote(s, i)
		case isLetter(c) || c == '_' || c >= 0x80:
			for end < len(s) && isIdentChar(s[end]) {
				end++
			}
			if match(s[i:end], false, end) {
				return true, nil
			}
		case c == ';':
			if match(";", false, end) {
				return true, nil
			}
		}
		if err != nil {
			return false, err
		}
		i = end
	}
	return false, nil
}
