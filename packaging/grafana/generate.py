# Writes packaging/grafana/pe4j.json, the Grafana dashboard of pe4j forward --metrics:
#   python3 packaging/grafana/generate.py   (from the repository root)
# GrafanaDashboardTest checks every query against a live scrape.
import json
panels=[]
pid=[0]
DS={"type":"prometheus","uid":"${datasource}"}
def panel(title, targets, unit="short", desc=""):
    pid[0]+=1
    panels.append({"id":pid[0],"type":"timeseries","title":title,"description":desc,"datasource":DS,
       "gridPos":{},"fieldConfig":{"defaults":{"unit":unit},"overrides":[]},"options":{},
       "targets":[{"refId":chr(65+i),"expr":e,"legendFormat":l,"datasource":DS} for i,(e,l) in enumerate(targets)]})
def row(title):
    pid[0]+=1
    panels.append({"id":pid[0],"type":"row","title":title,"collapsed":False,"gridPos":{},"panels":[]})
def sel(extra=""):
    return "{"+'job=~"$job",instance=~"$instance"'+(","+extra if extra else "")+"}"
R="[$__rate_interval]"
IN='direction="in"'
HEAP='area="heap"'
row("Traffic")
panel("Datagrams received /s",[("sum by (from) (rate(pe4j_forwarder_datagrams_total"+sel()+R+"))","from {{from}}")],"pps","Datagrams from clients and from real servers.")
panel("Forwarded and returned /s",[("sum(rate(pe4j_forwarder_forwarded_total"+sel()+R+"))","to servers"),("sum(rate(pe4j_forwarder_returned_total"+sel()+R+"))","back to clients")],"pps")
panel("Drops by reason /s",[("sum by (from, reason) (rate(pe4j_forwarder_drops_total"+sel()+R+"))","{{from}}: {{reason}}"),("sum by (service, reason) (rate(pe4j_engine_nomatch_total"+sel()+R+"))","no key ({{service}}): {{reason}}")],"pps","Every datagram not forwarded, by reason; what the persistence engine could not key.")
panel("Kernel receive-buffer drops",[("sum(pe4j_forwarder_socket_drops"+sel()+")","full UDP receive buffers")],"short","Datagrams the kernel dropped on this process's full sockets.")
row("Services and real servers")
panel("Packets to each real server /s",[("sum by (service, server) (rate(pe4j_server_packets_total"+sel(IN)+R+"))","{{server}} ({{service}})")],"pps")
panel("Packets per service /s",[("sum by (service, direction) (rate(pe4j_service_packets_total"+sel()+R+"))","{{service}} {{direction}}")],"pps")
panel("Real servers up",[("pe4j_server_up"+sel(),"{{server}} ({{service}})")],"short","1 when the server's health check passes, 0 when it is out (quiesced or removed).")
panel("Weights",[("pe4j_server_weight"+sel(),"{{server}} ({{service}})")],"short","0: quiescent (its calls drain, no new ones).")
row("Templates and connections")
panel("Templates",[("sum(pe4j_templates_active"+sel()+")","active"),("sum by (server) (pe4j_server_templates"+sel()+")","bound to {{server}}")],"short","Connection templates: one per call with the sip engine.")
panel("Template churn /s",[("sum(rate(pe4j_templates_creations_total"+sel()+R+"))","created"),("sum(rate(pe4j_templates_removals_total"+sel()+R+"))","removed"),("sum(rate(pe4j_templates_evictions_total"+sel()+R+"))","evicted (table full)"),("sum(rate(pe4j_templates_refusals_total"+sel()+R+"))","refused (table full)")],"ops")
panel("Connections and sessions",[("sum(pe4j_connections_active"+sel()+")","connection entries"),("sum(pe4j_forwarder_sessions"+sel()+")","client sessions")],"short")
row("Health checks")
panel("Checks /s by result",[("sum by (result) (rate(pe4j_health_checks_total"+sel()+R+"))","{{result}}"),("sum(rate(pe4j_health_icmp_unreachable_total"+sel()+R+"))","ICMP port unreachable")],"ops")
panel("Transitions and skipped turns",[("sum by (server, to) (increase(pe4j_health_transitions_total"+sel()+R+"))","{{server}} to {{to}}"),("sum by (server) (increase(pe4j_health_checks_skipped_total"+sel()+R+"))","{{server}} skipped")],"short")
panel("Measured check interval",[("pe4j_health_interval_measured_seconds"+sel(),"{{server}}")],"s","Seconds between a check's last two probes: its schedule, kept when servers hang.")
row("Cluster")
panel("New calls offered to the cluster /s",[("sum by (outcome) (rate(pe4j_cluster_calls_total"+sel()+R+"))","{{outcome}}"),("sum(rate(pe4j_forwarder_cluster_held_total"+sel()+R+"))","datagrams held for an answer")],"ops")
panel("Shared table errors /s",[("sum(rate(pe4j_shared_errors_total"+sel()+R+"))","errors")],"ops")
row("JVM")
panel("Heap",[("sum by (id) (jvm_memory_used_bytes"+sel(HEAP)+")","{{id}}"),("sum(jvm_memory_max_bytes"+sel(HEAP)+")","max")],"bytes")
panel("GC pause time /s",[("sum by (action, cause) (rate(jvm_gc_pause_seconds_sum"+sel()+R+"))","{{action}} ({{cause}})")],"s")
panel("CPU",[("process_cpu_usage"+sel(),"process"),("system_cpu_usage"+sel(),"system")],"percentunit")
panel("Threads",[("jvm_threads_live_threads"+sel(),"live")],"short")
x=0;y=0
for p in panels:
    if p["type"]=="row":
        if x!=0: y+=8; x=0
        p["gridPos"]={"h":1,"w":24,"x":0,"y":y}; y+=1
    else:
        p["gridPos"]={"h":8,"w":12,"x":x,"y":y}
        x+=12
        if x>=24: x=0; y+=8
dash={"title":"pe4j","uid":"pe4j","tags":["pe4j","ipvs","sip"],"timezone":"","schemaVersion":39,"version":1,
 "editable":True,"refresh":"10s","time":{"from":"now-1h","to":"now"},
 "description":"pe4j forward --metrics: traffic, drops by reason, real servers and their health, templates, cluster, JVM.",
 "templating":{"list":[
   {"name":"datasource","type":"datasource","query":"prometheus","label":"Prometheus"},
   {"name":"job","type":"query","datasource":DS,"query":"label_values(pe4j_templates_active, job)","refresh":2,"includeAll":True,"multi":True,"allValue":".*"},
   {"name":"instance","type":"query","datasource":DS,"query":"label_values(pe4j_templates_active{job=~\"$job\"}, instance)","refresh":2,"includeAll":True,"multi":True,"allValue":".*"}]},
 "annotations":{"list":[]},"panels":panels}
open('packaging/grafana/pe4j.json','w').write(json.dumps(dash,indent=2,ensure_ascii=False)+"\n")
