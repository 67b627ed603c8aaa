package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// oneLine renders err as the one line the command prints: the library's
// errors say "ossappend: " or "ossread: " once and describe OSS's answers
// in one line already, so oneLine only folds whitespace (an error from
// elsewhere may span lines), says where to look when a connection was
// refused, and hides every credential it knows of.
func oneLine(err error) string {
	text := err.Error()
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		text += "; is the endpoint right, and the server up?"
	}
	return redact(strings.Join(strings.Fields(text), " "))
}

// message is the line standing for err on standard error: its text, which
// begins with the command's name if it comes from the writer, or with it
// put in front.
func message(err error) string {
	text := oneLine(err)
	if !strings.HasPrefix(text, "ossappend: ") {
		text = "ossappend: " + text
	}
	return text
}

// within names the command an error comes from, unless it is the
// writer's, which names its object already.
func within(cmd string, err error) error {
	if strings.HasPrefix(err.Error(), "ossappend: ") {
		return err
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

// secretVariables are the environment variables that hold secrets.
var secretVariables = []string{envAccessKeySecret, envSessionToken,
	"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_OIDC_TOKEN"}

// redact hides secret credentials in s, those of the environment and those
// fetched from elsewhere, should any message ever carry one.
func redact(s string) string {
	for _, name := range secretVariables {
		if v := os.Getenv(name); len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted "+name+"]")
		}
	}
	secrets.Lock()
	defer secrets.Unlock()
	for _, v := range secrets.values {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}
