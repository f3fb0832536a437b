import time, sys
from bench.synth import synthetic_library
from graph.embedded import EmbeddedStore
from graph.export import render, select_subgraph
store = EmbeddedStore(synthetic_library(50000))
inst = max((n for n, _ in store.nodes("institution")), key=store.graph.degree)
for i in range(2):
    t=time.process_time(); w=time.perf_counter(); sub = select_subgraph(store, around=[inst], hops=2); print("select cpu %.3f wall %.3f" % (time.process_time()-t, time.perf_counter()-w))
for fmt in sys.argv[1].split(","):
    for i in range(2):
        t=time.process_time(); w=time.perf_counter(); render(sub, fmt); print(f"{fmt} cpu %.3f wall %.3f" % (time.process_time()-t, time.perf_counter()-w))
if len(sys.argv) > 2:
    import cProfile, pstats
    cProfile.run('render(sub, sys.argv[2])', '/tmp/prof.out')
    pstats.Stats('/tmp/prof.out').sort_stats('tottime').print_stats(15)
