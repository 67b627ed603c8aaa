package main

// cli is the command line: the global flags and one field a command.
type cli struct {
	globals

	Demo  demoCmd  `cmd:"" help:"See ossappend work: stream logs into an embedded OSS server, read them back and verify them. It ignores --endpoint and --local."`
	Pipe  pipeCmd  `cmd:"" help:"Copy standard input into an appendable object."`
	Cat   catCmd   `cmd:"" help:"Print an object and the objects it was rotated to, or every object under a prefix, decoded; with -f, follow them as tail -F does."`
	Serve serveCmd `cmd:"" help:"Run an OSS-protocol test server (osstest) until interrupted; --region sets its region."`
}

// globals are the flags every command takes, before or after its name.
type globals struct {
	Endpoint string `help:"OSS endpoint, such as https://oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000 (default: the region's public endpoint)." env:"OSS_ENDPOINT" placeholder:"URL"`
	Region   string `help:"OSS region, such as cn-hangzhou." env:"OSS_REGION" placeholder:"REGION"`
	Local    string `help:"Use an OSS server embedded in this process, keeping its data in DIR, instead of --endpoint; buckets are created on demand and no credentials are needed." placeholder:"DIR" type:"path"`
}
