// A whole process-function worker in Node.js, speaking the protocol with no SDK: it upper-cases its
// items (docs/process-functions.md). console.log writes synchronously, one whole line per call, when
// standard output is a pipe on Linux, so the answers leave in order and nothing is lost at exit.
const rl = require('readline').createInterface({ input: process.stdin });
console.log(JSON.stringify({ ready: true }));
rl.on('line', (line) => {
  const chunk = JSON.parse(line);
  for (const item of chunk.items) {
    if (typeof item === 'string') console.log(JSON.stringify({ values: [item.toUpperCase()] }));
    else console.log(JSON.stringify({ error: { type: 'TypeError', message: 'not a string: ' + item } }));
  }
});
