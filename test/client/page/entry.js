// The test page's script: the BUILT client (dist/, as a frontend would install it), bundled by esbuild.
import * as liveshare from "../../../dist/client/index.js";

window.liveshare = liveshare;
