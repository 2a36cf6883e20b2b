// OpenDHT side of `make bench-overlay` (bench/overlay/README.md).
//
// Joins a running network of dhtnode processes with a few nodes of its own
// (one that puts, --getters that get), then reads commands from stdin, one
// per line, and answers each with one JSON line on stdout -- the same line
// protocol that the harness speaks to `reload-client --batch`:
//
//   store KEY VALUE       put VALUE (bytes of the string) under InfoHash::get(KEY)
//   fetch KEY [GETTER]    get it from getter node GETTER (default: random)
//   quit                  prints {"op":"bye","stored_values":[N per node]}, exits
//
// Answers:
//   {"op":"ready","nodes":[..good nodes per driver node..],"join_ms":N}
//   {"op":"store","key":K,"ok":B,"latency_us":N,"stored_on":N}
//   {"op":"fetch","key":K,"ok":B,"latency_us":N,"value":S,"get_requests":N,"getter":I}
//
// Latency is wall time (steady clock) from the library call to its callback:
// for a store, the put's done callback (the value acknowledged by the nodes
// closest to the key); for a fetch, the first value that arrives, after
// which the get callback returns false, which ends the lookup as an
// application wanting one value would. The driver's own nodes refuse to
// store values (max_store_size 1 byte), so that a fetch is never answered
// from the getter's own storage: like a RELOAD client, they route and ask
// but keep no data.  They bind IPv4 only, as the network is on 127.0.0.1.

#include <opendht.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string bootstrap_host = "127.0.0.1";
    std::vector<unsigned> bootstrap_ports;  // getters bootstrap from these, round robin
    unsigned port = 4400;                   // first port of the driver's nodes
    unsigned getters = 4;
    dht::NetId network = 0;
    unsigned timeout_ms = 15000;            // per operation
    unsigned join_timeout_ms = 30000;
    unsigned min_nodes = 16;                // good nodes each driver node must know
    unsigned seed = 1;
};

void usage()
{
    std::fprintf(stderr,
        "usage: dht_driver --bootstrap-ports P1,P2,... [--host 127.0.0.1] [--port 4400]\n"
        "                  [--getters 4] [--network ID] [--timeout-ms 15000]\n"
        "                  [--join-timeout-ms 30000] [--min-nodes 16] [--seed 1]\n"
        "then commands on stdin: 'store KEY VALUE', 'fetch KEY [GETTER]', 'quit'\n");
}

bool parse_ports(const std::string& s, std::vector<unsigned>& out)
{
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        unsigned long p = std::strtoul(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || p == 0 || p > 65535)
            return false;
        out.push_back(static_cast<unsigned>(p));
    }
    return !out.empty();
}

bool parse_uint(const char* s, unsigned& out)
{
    char* end = nullptr;
    unsigned long v = std::strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v > 0xffffffffUL)
        return false;
    out = static_cast<unsigned>(v);
    return true;
}

std::string json_str(const std::string& s)
{
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += static_cast<char>(c);
        } else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o += static_cast<char>(c);
        }
    }
    return o + "\"";
}

long long us_since(Clock::time_point t0)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
}

// One operation's outcome, filled in from the runner's thread.
struct Wait {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    bool ok = false;
    long long latency_us = -1;
    size_t count = 0;
    std::string value;

    void finish(bool success, long long us, size_t n, std::string v = {})
    {
        std::lock_guard<std::mutex> l(m);
        if (done)
            return;
        done = true;
        ok = success;
        latency_us = us;
        count = n;
        value = std::move(v);
        cv.notify_all();
    }
    bool wait_for(unsigned ms)
    {
        std::unique_lock<std::mutex> l(m);
        return cv.wait_for(l, std::chrono::milliseconds(ms), [&] { return done; });
    }
};

std::unique_ptr<dht::DhtRunner> start_node(const Options& o, unsigned port,
                                           unsigned bootstrap_port)
{
    auto r = std::make_unique<dht::DhtRunner>();
    dht::DhtRunner::Config cfg;
    cfg.threaded = true;
    cfg.dht_config.node_config.network = o.network;
    // A client-like node: stores nothing (see the header comment), and is
    // not slowed by the per-address rate limit that a loopback network,
    // where every node has the same address, would otherwise hit.
    cfg.dht_config.node_config.max_store_size = 1;
    cfg.dht_config.node_config.max_req_per_sec = -1;
    cfg.dht_config.node_config.max_peer_req_per_sec = -1;
    std::string service = std::to_string(port);
    r->run(o.bootstrap_host.c_str(), "", service.c_str(), cfg);
    r->bootstrap(o.bootstrap_host, std::to_string(bootstrap_port));
    return r;
}

unsigned good_nodes(dht::DhtRunner& r)
{
    return r.getNodesStats(AF_INET).good_nodes;
}

} // namespace

int main(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; i += 2) {
        std::string a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
        bool ok = v != nullptr;
        if (a == "--bootstrap-ports" && v)
            ok = parse_ports(v, o.bootstrap_ports);
        else if (a == "--host" && v)
            o.bootstrap_host = v;
        else if (a == "--port" && v)
            ok = parse_uint(v, o.port) && o.port > 0 && o.port < 65000;
        else if (a == "--getters" && v)
            ok = parse_uint(v, o.getters) && o.getters >= 1 && o.getters <= 64;
        else if (a == "--network" && v) {
            unsigned n = 0;
            ok = parse_uint(v, n);
            o.network = n;
        } else if (a == "--timeout-ms" && v)
            ok = parse_uint(v, o.timeout_ms);
        else if (a == "--join-timeout-ms" && v)
            ok = parse_uint(v, o.join_timeout_ms);
        else if (a == "--min-nodes" && v)
            ok = parse_uint(v, o.min_nodes);
        else if (a == "--seed" && v)
            ok = parse_uint(v, o.seed);
        else if (a == "-h" || a == "--help") {
            usage();
            return 0;
        } else
            ok = false;
        if (!ok) {
            std::fprintf(stderr, "dht_driver: bad argument '%s'%s%s\n", a.c_str(),
                         v ? " " : "", v ? v : "");
            usage();
            return 2;
        }
    }
    if (o.bootstrap_ports.empty()) {
        usage();
        return 2;
    }

    std::mt19937 rng(o.seed);
    auto t_join = Clock::now();
    // nodes[0] puts; nodes[1..getters] get.
    std::vector<std::unique_ptr<dht::DhtRunner>> nodes;
    try {
        for (unsigned i = 0; i <= o.getters; i++)
            nodes.push_back(start_node(o, o.port + i,
                                       o.bootstrap_ports[i % o.bootstrap_ports.size()]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dht_driver: cannot start a node: %s\n", e.what());
        return 1;
    }

    // Joined when every driver node knows enough good nodes to route.
    bool joined = false;
    while (us_since(t_join) / 1000 < o.join_timeout_ms) {
        joined = true;
        for (auto& n : nodes)
            joined = joined && good_nodes(*n) >= o.min_nodes;
        if (joined)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::ostringstream ready;
    ready << "{\"op\":\"ready\",\"ok\":" << (joined ? "true" : "false") << ",\"nodes\":[";
    for (size_t i = 0; i < nodes.size(); i++)
        ready << (i ? "," : "") << good_nodes(*nodes[i]);
    ready << "],\"join_ms\":" << us_since(t_join) / 1000 << "}";
    std::cout << ready.str() << std::endl;
    if (!joined) {
        std::fprintf(stderr, "dht_driver: driver nodes did not reach %u good nodes in %u ms\n",
                     o.min_nodes, o.join_timeout_ms);
        for (auto& n : nodes)
            n->join();
        return 1;
    }

    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string cmd, key, arg;
        in >> cmd >> key >> arg;
        if (cmd.empty())
            continue;
        if (cmd == "quit")
            break;
        if (cmd == "store" && !key.empty() && !arg.empty()) {
            auto w = std::make_shared<Wait>();
            auto t0 = Clock::now();
            nodes[0]->put(dht::InfoHash::get(key),
                          dht::Value(reinterpret_cast<const uint8_t*>(arg.data()), arg.size()),
                          [w, t0](bool ok, const std::vector<std::shared_ptr<dht::Node>>& ns) {
                              w->finish(ok, us_since(t0), ns.size());
                          });
            if (!w->wait_for(o.timeout_ms))
                w->finish(false, us_since(t0), 0);
            std::cout << "{\"op\":\"store\",\"key\":" << json_str(key)
                      << ",\"ok\":" << (w->ok ? "true" : "false")
                      << ",\"latency_us\":" << w->latency_us
                      << ",\"stored_on\":" << w->count << "}" << std::endl;
        } else if (cmd == "fetch" && !key.empty()) {
            unsigned g;
            if (arg.empty() || !parse_uint(arg.c_str(), g))
                g = std::uniform_int_distribution<unsigned>(0, o.getters - 1)(rng);
            g %= o.getters;
            auto& node = *nodes[1 + g];
            node.getNodeMessageStats(false);  // reads and resets the counters
            auto w = std::make_shared<Wait>();
            auto t0 = Clock::now();
            node.get(dht::InfoHash::get(key),
                     [w, t0](const std::vector<std::shared_ptr<dht::Value>>& vals) {
                         if (vals.empty())
                             return true;
                         const auto& d = vals.front()->data;
                         w->finish(true, us_since(t0), vals.size(),
                                   std::string(d.begin(), d.end()));
                         return false;  // one value is all we want: end the lookup
                     },
                     [w, t0](bool, const std::vector<std::shared_ptr<dht::Node>>&) {
                         // Lookup ended without a value (with one, finish() already ran).
                         w->finish(false, us_since(t0), 0);
                     });
            if (!w->wait_for(o.timeout_ms))
                w->finish(false, us_since(t0), 0);
            auto st = node.getNodeMessageStats(false);
            unsigned get_requests = st.size() > 2 ? st[2] : 0;
            std::cout << "{\"op\":\"fetch\",\"key\":" << json_str(key)
                      << ",\"ok\":" << (w->ok ? "true" : "false")
                      << ",\"latency_us\":" << w->latency_us
                      << ",\"value\":" << json_str(w->value)
                      << ",\"get_requests\":" << get_requests
                      << ",\"getter\":" << g << "}" << std::endl;
        } else {
            std::cout << "{\"op\":" << json_str(cmd) << ",\"ok\":false,\"error\":\"bad command\"}"
                      << std::endl;
        }
    }
    // Values held by the driver's own nodes: must be 0, else a fetch might
    // have been answered from the getter's storage (see the header comment).
    std::cout << "{\"op\":\"bye\",\"ok\":true,\"stored_values\":[";
    for (size_t i = 0; i < nodes.size(); i++)
        std::cout << (i ? "," : "") << nodes[i]->getStoreSize().second;
    std::cout << "]}" << std::endl;
    for (auto& n : nodes)
        n->join();
    return 0;
}
