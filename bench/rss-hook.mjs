// Preloaded with --import: reports the process's peak resident memory when it exits.
process.on('exit', () => process.stderr.write(`\nMAXRSS_KIB=${process.resourceUsage().maxRSS}\n`));
