"""BENCHMARKS.md from the suite's results (bench/suite.py): the numbers, the targets, and the
machine, date and command they were measured with."""

LABEL = {24: '24 B', 1032: '1032 B', 65544: '64 KiB', 262152: '256 KiB'}


def f0(x):
    return '-' if x is None else '{:,.0f}'.format(x)


def mb(x):
    return '-' if x is None else '{:,.1f}'.format(x)


def verdict(ok):
    return 'met' if ok else '**not met**'


# Issue 14: zero-loss rate against the shared-CPU limit, by message size.
SHARED_TARGET = {24: 0.8, 1032: 0.9, 65544: 0.9}


def us(x):
    return '-' if x is None else '%.2f' % x


def shared_limit_table(rows):
    """Section 3's lead: the zero-loss rate against the shared-CPU limit, and where the daemon's
    CPU goes, by thread, at that rate."""
    out = ['The shared-CPU limit is what the machine can carry when publisher, ZeroMQ\'s I/O threads, receiver '
           'and writer share its cores: cores / (CPU seconds per message of the C appender + the C publisher '
           '+ a subscriber that only counts). Each cost is user + system time of the whole process (all '
           'threads, from `wait4`), marginal: a long run minus a short one, so that start-up cancels. The '
           'appender writes with the daemon\'s flush interval; the publisher is the daemon trials\' paced one, '
           'measured at the rate the blocking publisher\'s cost gives (ZeroMQ\'s cost per message falls as '
           'the rate rises, so it is taken near the limit). The daemon\'s search starts at the limit, so its '
           'rates are 1, 0.6, 0.8, 0.9, 0.7 ... of it. Daemon CPU: /proc/PID/task/*/stat from the first send '
           'until the file held every message, by thread name (`ZMQbg*`, `larpix-rawd receiver *`, '
           '`larpix-rawd writer`; other: main, monitors, closed-file and NIO threads); publisher: its whole '
           'process in the trial. "ZeroMQ alone, zero loss" is the same search with a subscriber that only '
           'counts (table below): what the zero-loss test leaves of the limit with no daemon at all. The limit '
           'takes every core as free: read it with the load average above. Target (issue 14): >= 0.9 x the '
           'shared-CPU limit at 1032 B and 64 KiB, >= 0.8 x at 24 B.', '',
           '| message | io_groups | zero-loss msg/s | MB/s | shared-CPU limit msg/s | MB/s | x limit | target | '
           'ZeroMQ alone, zero loss, x limit | daemon us/msg: ZeroMQ I/O | receivers | writer | other | total | '
           'publisher us/msg | limit parts: C appender + publisher + subscriber us/msg |',
           '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for e in rows:
        lim = e.get('shared_cpu')
        if not lim:
            continue
        cpu = e.get('cpu') or {}
        t = cpu.get('threads_us_per_message', {})
        goal = SHARED_TARGET.get(e['message_bytes'], 0.9)
        zr = e.get('zmq_zero_loss_rate')
        out.append('| %s | %d | %s | %s | %s | %s | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %.2f + %.2f + %.2f |' % (
            LABEL[e['message_bytes']], e['sources'], f0(e['zero_loss_rate']),
            mb(e['zero_loss_rate'] * e['message_bytes'] / 1e6), f0(lim['msg_per_s']), mb(lim['mb_per_s']),
            e['ratio_to_shared_limit'], '>= %.1f: %s' % (goal, verdict(e['ratio_to_shared_limit'] >= goal)),
            '-' if zr is None else '%.2f' % (zr / lim['msg_per_s']),
            us(t.get('zmq_io')), us(t.get('receiver')), us(t.get('writer')), us(t.get('other')),
            us(cpu.get('daemon_us_per_message')), us(cpu.get('publisher_us_per_message')),
            lim['appender_us'], lim['publisher_us'], lim['subscriber_us']))
    return out + ['']


def lossless_table(rows, cores):
    """Section 3's first table: the issue's own measure, lossless throughput against the shared-CPU
    limit with the same publisher; and whether what falls short is work or idle cores."""
    out = ['**Lossless throughput (issue 14\'s measure).** The C publisher blocks when its queue is full '
           '(nothing is dropped) and sends as fast as the daemon takes the messages; the rate is the messages '
           'over first send -> every message visible to a reader of the file (`larpix-raw count`, run back to '
           'back once the publisher is done; the start of the first call that saw them all), the daemon on its '
           'default config but for sources and output (flush_interval 1 s, idle_flush 0.1 s). Its limit is the '
           'shared-CPU limit with this publisher (the blocking pass below); "x paced limit" divides by the '
           'limit with the paced publisher of the zero-loss search. Daemon and publisher CPU per message over '
           'the same window, by thread, of the median run. "Work" is daemon + publisher CPU per message against '
           'what the limit counts for the same (cores / its rate): below 1.00 the daemon needs less CPU than the '
           'parts alone, and the shortfall is cores left idle ("busy": that CPU over cores x window).', '',
           '| message | io_groups | lossless msg/s (median) | MB/s | runs msg/s | lost | limit, same publisher, msg/s | '
           'x limit | target | x paced limit | daemon us/msg: ZeroMQ I/O | receivers | writer | other | total | '
           'publisher us/msg | work, x the limit\'s | busy | peak RSS MB |',
           '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for e in rows:
        ll, lim = e.get('lossless'), e.get('shared_cpu')
        if not ll or not lim:
            continue
        run = ll['median_run']
        cpu = run['cpu']
        t = cpu['threads_us_per_message']
        goal = SHARED_TARGET.get(e['message_bytes'], 0.9)
        work = cpu['daemon_us_per_message'] + cpu['publisher_us_per_message']
        out.append('| %s | %d | %s | %s | %s | %d | %s | %.2f | %s | %.2f | %s | %s | %s | %s | %s | %s | %.2f | %.0f %% | %s |' % (
            LABEL[e['message_bytes']], e['sources'], f0(ll['msg_per_s']), mb(ll['msg_per_s'] * e['message_bytes'] / 1e6),
            ' / '.join(f0(x) for x in ll['rates']), ll['lost'], f0(lim['blocking_msg_per_s']), ll['ratio_to_limit'],
            '>= %.1f: %s' % (goal, verdict(ll['ratio_to_limit'] >= goal)), ll['ratio_to_paced_limit'],
            us(t.get('zmq_io')), us(t.get('receiver')), us(t.get('writer')), us(t.get('other')),
            us(cpu['daemon_us_per_message']), us(cpu['publisher_us_per_message']),
            work / (1e6 * cores / lim['blocking_msg_per_s']), 100 * work * ll['msg_per_s'] / 1e6 / cores,
            f0(run['peak_rss_mb'])))
    return out + ['']


def tcp_line(cc):
    """What the report says of the TCP congestion control the loopback trials ran with."""
    if cc is None:
        return ''
    if cc == 'cubic':
        return 'TCP congestion control: cubic (Debian\'s default, as on a DAQ host).'
    why = (': BBR paces the publisher\'s sends, and the daemon\'s ZeroMQ I/O thread costs 25-35 % more '
           'per message' if cc == 'bbr' else '')
    return ('TCP congestion control: **%s**, not Debian\'s default cubic%s; '
            '`sysctl -w net.ipv4.tcp_congestion_control=cubic` (root) before measuring ("TCP congestion control").' % (cc, why))


def markdown(r):
    m = r['machine']
    out = ['# Benchmarks', '',
           'Written by `bench/run.sh` (%s mode). Machine: %s, %s cores, %s GiB, Linux %s. Date: %s. '
           'Command: `%s`. Load average before %.1f, after %.1f; run time %.0f s. Files written to `%s`.' % (
               m['mode'], m['cpu'] or m['host'], m['cores'], m['memory_gib'], m['kernel'], m['date'], m['command'],
               m['load_before'], m.get('load_after', 0), m.get('seconds', 0), m['output_dir']),
           '',
           {True: 'Free page reporting was **on** (a virtio balloon gives freed memory back to the host): '
                  'memory touched anew costs a host fault, and rates move by up to 2x between runs; '
                  '`bench/quiet-memory.py` (root) turns it off ("The VM\'s memory").',
            False: 'Free page reporting was off (no bound virtio balloon gives freed memory back to a host).'}.get(m.get('free_page_reporting'), ''),
           '',
           tcp_line(m.get('tcp_congestion_control')),
           '',
           'Rates are medians of several runs; every ratio is of numbers measured in the same run. '
           'A 2-core machine shared with other work is noisy: single runs vary by 20-50 %, so read the '
           'medians, the spread (runs column) and the instruction counts, which do not depend on the load.',
           '']
    if 'append' in r:
        out += ['## 1. Library append: RawFileWriter (Swift) vs the C appender', '',
                'The same messages (pool of one batch), batches as the daemon\'s batcher seals them '
                '(4096 messages or 16 MiB), a whole-file flush (with meta/modified) after every batch, '
                'the same HDF5 calls in the same order (`Sources/CBenchCeilings/raw_append.c`), '
                'alternating in one process, create to close without fsync, on tmpfs. '
                'Instructions: callgrind, inside each writer\'s append function only. Target: Swift >= 0.9x C.', '',
                '| message | batch | C msg/s | C MB/s | Swift msg/s | Swift MB/s | Swift/C (median) | runs | instructions C/Swift | target |',
                '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
        for a in r['append']:
            ins = a.get('instructions')
            ok = a['ratio'] >= 0.9 or (ins and ins['c_over_swift'] >= 0.9)
            how = '' if a['ratio'] >= 0.9 or not ok else ' (by instructions; wall clock below, noise)'
            out.append('| %s | %d | %s | %s | %s | %s | %.2f | %s | %s | %s |' % (
                LABEL[a['message_bytes']], a['batch'], f0(a['c_msg_per_s']), mb(a['c_mb_per_s']),
                f0(a['swift_msg_per_s']), mb(a['swift_mb_per_s']), a['ratio'],
                ' '.join('%.2f' % x for x in a['ratios']), '%.3f' % ins['c_over_swift'] if ins else '-', verdict(ok) + how))
        out.append('')
    if r.get('reference'):
        out += ['## 2. Against the reference: larpix-control `to_rawfile`', '',
                'larpix-control 3.7 over Debian\'s h5py (HDF5 1.10.8), the same messages in the batches its PACMAN '
                'reader hands to `to_rawfile` (up to 20000 messages per call, capped at 64 MiB), which opens and '
                'closes the file on every call. Expectation: >= 5x at 24 B, >= 20x at 64 KiB.', '',
                '| message | reference batch | reference msg/s | reference MB/s | RawFileWriter msg/s | ours / reference |',
                '| --- | --- | --- | --- | --- | --- |']
        for a in r['reference']:
            out.append('| %s | %d | %s | %s | %s | %.1fx |' % (
                LABEL[a['message_bytes']], a['batch'], f0(a['msg_per_s']), mb(a['mb_per_s']),
                f0(a['swift_msg_per_s']), a['ratio']))
        out.append('')
    if r.get('end_to_end'):
        out += ['## 3. End to end: larpix-rawd on loopback', '',
                'Publishers bind on 127.0.0.1 and send single frames paced to a rate; the daemon (release build, '
                'default config but for the sources and output) subscribes and writes. Zero loss: every message '
                'handed to ZeroMQ is in the closed file, and the file held them all within flush interval + 1 s '
                'of the last send (the daemon kept up, it did not just buffer).', '']
        out += lossless_table(r['end_to_end'], m['cores'])
        out += ['**Zero loss under a paced publisher.**', '']
        out += shared_limit_table(r['end_to_end'])
        out += ['### Context: the alone-ceilings', '',
                'Each ceiling has the machine to itself, which the daemon never has, so none is reachable end to '
                'end by construction. The ZeroMQ ceiling is the C '
                'publisher into a subscriber that only counts; the C write ceiling is the C appender with the '
                'daemon\'s flush interval (1 s). Earlier target: zero-loss rate >= 0.8 x min(ceilings).', '',
                'The ZeroMQ ceiling blocks the publisher instead of dropping, so it is a rate nothing reaches '
                'without loss. "ZeroMQ alone, zero loss" is the same search as for the daemon (the same paced '
                'publisher and send queue) into a subscriber that only counts: what loopback ZeroMQ itself '
                'carries without loss here. CPU columns, at the daemon\'s zero-loss rate: the daemon\'s CPU time '
                '(all threads) per message, and how busy the whole 2-core machine was.', '',
                '| message | io_groups | ZeroMQ ceiling msg/s | C write ceiling msg/s | ZeroMQ alone, zero loss, msg/s | zero-loss msg/s | MB/s | x min(ceilings) | x ZeroMQ alone | daemon CPU us/msg | machine busy | emulator at that rate | peak RSS MB | target |',
                '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
        for e in r['end_to_end']:
            em = e.get('emulator')
            emtxt = '-' if not em else ('lost %d of %d' % (em['lost'], em['published']))
            cpu = e.get('cpu') or {}
            zr = e.get('ratio_to_zmq_zero_loss')
            out.append('| %s | %d | %s | %s | %s | %s | %s | %.2f | %s | %s | %s | %s | %s | %s |' % (
                LABEL[e['message_bytes']], e['sources'], f0(e['zmq_ceiling']), f0(e['c_write_ceiling']),
                f0(e.get('zmq_zero_loss_rate')), f0(e['zero_loss_rate']),
                mb(e['zero_loss_rate'] * e['message_bytes'] / 1e6), e['ratio_to_ceiling'],
                '-' if zr is None else '%.2f' % zr,
                '%.2f' % cpu['daemon_us_per_message'] if 'daemon_us_per_message' in cpu else '-',
                '%.0f %%' % (100 * cpu['machine_busy']) if 'machine_busy' in cpu else '-',
                emtxt, f0(e['peak_rss_mb']), verdict(e['ratio_to_ceiling'] >= 0.8)))
        out += ['', 'Trials of the search (rate asked, published, written, kept up):', '']
        for e in r['end_to_end']:
            out.append('- %s, %d io_group(s): %s' % (LABEL[e['message_bytes']], e['sources'], '; '.join(
                '%s: %d/%d%s' % (f0(t['rate']), t['written'], t['published'], '' if t['kept_up'] else ' (behind)')
                for t in e['trials'])))
            if e.get('zmq_trials'):
                out.append('  - ZeroMQ alone: %s' % '; '.join(
                    '%s: %d/%d' % (f0(t['rate']), t['written'], t['published']) for t in e['zmq_trials']))
        out.append('')
    ml = r.get('memory_latency')
    if ml:
        o, s = ml['overload'], ml['soak']
        out += ['## 4. Memory, latency, start-up', '',
                '| measurement | value | target | |', '| --- | --- | --- | --- |',
                '| peak RSS, 2x overload (%s msg/s of 1032 B for %d s, buffer.max_bytes %d MiB) | %.0f MB | <= %.0f MB | %s |' % (
                    f0(o['rate']), o['seconds'], o['buffer_max_mb'], o['peak_rss_mb'], o['target_mb'],
                    verdict(o['peak_rss_mb'] <= o['target_mb'])),
                '| soak at 50 %% (%s msg/s of 1032 B for %d s): RSS after warm-up -> at the end | %.0f -> %.0f MB (%+.1f MB/min), lost %d | no growth | %s |' % (
                    f0(s['rate']), s['seconds'], s['rss_early_mb'], s['rss_late_mb'], s['slope_mb_per_min'], s['lost'],
                    verdict(s['rss_late_mb'] - s['rss_early_mb'] < 8))]
        for lat in ml['latency']:
            target = lat['flush_interval'] * 1000 + 50
            out.append('| publish -> visible to RawFileFollower, flush_interval %.1f s (%s msg/s, %d messages) | p50 %.0f ms, p99 %.0f ms, max %.0f ms | p99 <= %.0f ms | %s |' % (
                lat['flush_interval'], f0(lat['rate']), lat['messages'], lat['p50_ms'], lat['p99_ms'], lat['max_ms'], target,
                verdict(lat['p99_ms'] <= target)))
        rd = ml['ready_ms']
        out += ['| start -> READY=1 (NOTIFY_SOCKET), %d starts | median %.0f ms, max %.0f ms | < 200 ms | %s |' % (
            len(rd['runs']), rd['median'], rd['max'], verdict(rd['max'] < 200)), '']
    if r.get('scaling'):
        out += ['## 5. Scaling (1032 B messages unless said; zero-loss rate found as in section 3)', '',
                '| varied | value | io_groups | zero-loss msg/s | MB/s | peak RSS MB |', '| --- | --- | --- | --- | --- | --- |']
        for e in r.get('end_to_end', []):
            out.append('| message size | %s | %d | %s | %s | %s |' % (
                LABEL[e['message_bytes']], e['sources'], f0(e['zero_loss_rate']),
                mb(e['zero_loss_rate'] * e['message_bytes'] / 1e6), f0(e['peak_rss_mb'])))
        for s in r['scaling']:
            out.append('| %s | %s | %d | %s | %s | %s |' % (
                s['vary'], s['value'], s['sources'], f0(s['zero_loss_rate']), mb(s['zero_loss_rate'] * 1032 / 1e6),
                f0(s['peak_rss_mb'])))
        out.append('')
    # What the numbers say and what bounds them: kept by hand beside this script.
    import os
    notes = os.path.join(os.path.dirname(__file__), 'analysis.md')
    if os.path.exists(notes):
        with open(notes) as f:
            out += [f.read().rstrip()]
    return '\n'.join(out) + '\n'
