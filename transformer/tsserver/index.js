// tsserver loads plugins with require() from where TypeScript is installed and ignores
// package "exports", so this plain CommonJS file sits at the path the plugin name names
// (@continuum/transformer/tsserver). Node >= 20.19 can require() the ESM build.
"use strict";
const plugin = require("../dist/tsserver/tsserver-plugin.js");
module.exports = plugin.default ?? plugin;
