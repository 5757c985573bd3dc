// A private aedes MQTT broker for homelake's interop tests: `node broker.mjs PORT LOGFILE`, PORT 0 = any free one.
// Prints "listening PORT" once it accepts connections. With HOMELAKE_AEDES_USERNAME (and _PASSWORD) in the
// environment (never on the command line, where `ps` shows it) clients must log in. Sessions live in memory:
// they survive a client's reconnect, not a broker restart. Ends on SIGTERM/SIGINT or when stdin closes, so
// a test runner that dies does not leave a broker behind.
import fs from 'node:fs'
import net from 'node:net'
import { Aedes } from 'aedes'

const port = Number(process.argv[2] ?? 0)
const log = fs.createWriteStream(process.argv[3] ?? '/dev/null', { flags: 'a' })
const note = (line) => log.write(`${new Date().toISOString()} ${line}\n`)
const user = process.env.HOMELAKE_AEDES_USERNAME
const password = process.env.HOMELAKE_AEDES_PASSWORD ?? ''

const broker = await Aedes.createBroker()
if (user !== undefined) {
  broker.authenticate = (client, username, pw, callback) => {
    if (username === user && pw !== undefined && pw.toString() === password) return callback(null, true)
    note(`refused ${client.id}: bad user name or password`)
    const err = new Error('bad user name or password')
    err.returnCode = 4
    callback(err, false)
  }
}
broker.on('client', (client) => note(`connected ${client.id}`))
broker.on('clientDisconnect', (client) => note(`disconnected ${client.id}`))
broker.on('keepaliveTimeout', (client) => note(`keepalive timeout ${client.id}`))
broker.on('clientError', (client, err) => note(`client error ${client.id}: ${err.message}`))

const server = net.createServer(broker.handle)
server.on('error', (err) => {
  process.stderr.write(`aedes: ${err.message}\n`)
  process.exit(2)
})
server.listen(port, '127.0.0.1', () => {
  note(`listening ${server.address().port}`)
  process.stdout.write(`listening ${server.address().port}\n`)
})

let stopping = false
function stop () {
  if (stopping) return
  stopping = true
  server.close()
  broker.close(() => log.end(() => process.exit(0)))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('error', stop)
process.stdin.resume()
