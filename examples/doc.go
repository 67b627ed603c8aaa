// Package examples holds runnable examples of ossappend with loggers from
// outside the standard library: go.uber.org/zap. It is a module of its own
// so that the ossappend module does not depend on zap. The examples with
// log, log/slog and io.Copy are in the ossappend package itself.
//
// Each example runs against osstest, an OSS-protocol server on loopback,
// so `go test ./examples/...` runs them with no cloud account. With real
// OSS, build the client from the SDK instead:
//
//	cfg := oss.LoadDefaultConfig().
//		WithCredentialsProvider(credentials.NewEnvironmentVariableCredentialsProvider()).
//		WithRegion("cn-hangzhou")
//	client := oss.NewClient(cfg)
package examples
