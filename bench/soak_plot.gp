# gnuplot -e "csv='soak.csv'; png='soak.png'" bench/soak_plot.gp
set datafile separator ','
set terminal pngcairo size 1000,900 noenhanced
set output png
set key top left
set xlabel 'time (s)'
set multiplot layout 4,1 title 'lobbyd soak'
set ylabel 'RSS (MiB)';  plot csv using 1:($2/1024) skip 1 with lines title 'VmRSS'
set ylabel 'fds';        plot csv using 1:3 skip 1 with lines title 'open fds'
set ylabel 'sessions';   plot csv using 1:5 skip 1 with lines title 'registered', csv using 1:4 skip 1 with lines title 'connections'
set ylabel 'ms';         plot csv using 1:9 skip 1 with lines title 'loop handler p99 (per 10 s)'
unset multiplot
