{{- define "kefu.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
{{- define "kefu.env" -}}
- name: ACTION_SERVER_URL
  value: "http://{{ .Release.Name }}-actions:{{ .Values.actions.port }}/webhook"
- name: BOT_REPLICAS
  value: "{{ .Values.rasa.replicas }}"
- name: KEFU_VAR_DIR
  value: /tmp/kefu
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}
{{- /* Every Rasa replica by its own name (the StatefulSet's pods under the headless Service):
     the servers the web app confirms publications with and hands retrained models to. */ -}}
{{- define "kefu.botUrls" -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.rasa.replicas) -}}
{{- $urls = append $urls (printf "http://%s-rasa-%d.%s-rasa-pods:%v" $.Release.Name $i $.Release.Name $.Values.rasa.port) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}
