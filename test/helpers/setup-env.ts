// Tests build their own configs; nothing from the developer's shell may leak into them.
for (const key of Object.keys(process.env)) {
  if (/^(HUAWEI_|CODEARTS_|RTS_|BANDWIDTH_|COMESTRI_|GATEWAY_|REDIS_|SIMULATE|PIPELINE_|UPSTREAM_)/.test(key)) delete process.env[key];
}
